using Orleans.Streams;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Streams;

namespace OrleansGateway.FleetSim;

/// <summary>
/// One data plane as the control plane sees it: what <c>ConfigSourceSupervisor</c> sends over the wire, on a client
/// shared with other simulated data planes of its group. A full load (<c>Export</c>), a stream subscription of its
/// own, on every hint newer than its version the change feed (<c>GetChangesSince</c>, a full load on a reset), and a
/// heartbeat every 2 s under its own instance id. It keeps only the version (compiling routes is local work).
/// </summary>
internal sealed class SimulatedDataPlane(IClusterClient client, string group, string instanceId)
{
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(2);
    private readonly SemaphoreSlim _applying = new(1, 1);
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
    private StreamSubscriptionHandle<GroupChanged>? _subscription;
    private long _version;

    public long Version => Volatile.Read(ref _version);

    public long Heartbeats { get; private set; }

    public async Task StartAsync()
    {
        var export = await client.GetGrain<IGatewayGroupGrain>(group).Export();
        Volatile.Write(ref _version, export.Version);
        var stream = client.GetStreamProvider(GroupStreams.Provider).GetStream<GroupChanged>(StreamId.Create(GroupStreams.Namespace, group));
        _subscription = await stream.SubscribeAsync((change, _) => OnChangeAsync(change));
    }

    private async Task OnChangeAsync(GroupChanged change)
    {
        if (change.Version <= Version)
        {
            return;
        }
        await _applying.WaitAsync();
        try
        {
            if (change.Version <= Version)
            {
                return;
            }
            var grain = client.GetGrain<IGatewayGroupGrain>(group);
            var changes = await grain.GetChangesSince(Version);
            var next = changes.ResetRequired ? (await grain.Export()).Version : changes.ToVersion;
            Volatile.Write(ref _version, Math.Max(Version, next));
        }
        finally
        {
            _applying.Release();
        }
    }

    /// <summary>Heartbeats until <paramref name="stop"/>, starting at a random point of the period (as DPs started at random times).</summary>
    public async Task HeartbeatAsync(CancellationToken stop)
    {
        var registry = client.GetGrain<IDataPlaneRegistryGrain>(group);
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)HeartbeatInterval.TotalMilliseconds)), stop);
            while (!stop.IsCancellationRequested)
            {
                var cpVersion = await registry.Heartbeat(new DataPlaneHeartbeat(instanceId, "fleetsim", Version, "control_plane", _startedAt));
                Heartbeats++;
                if (cpVersion > Version)
                {
                    await OnChangeAsync(new GroupChanged(group, cpVersion, cpVersion - 1, [], false));
                }
                await Task.Delay(HeartbeatInterval, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    public async Task StopAsync()
    {
        if (_subscription is not null)
        {
            await _subscription.UnsubscribeAsync();
        }
    }
}
