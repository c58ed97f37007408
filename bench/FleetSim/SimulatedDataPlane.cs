using OrleansGateway.Contracts.Feed;
using OrleansGateway.Contracts.Grains;

namespace OrleansGateway.FleetSim;

/// <summary>
/// One data plane as the control plane sees it: what <c>ConfigSourceSupervisor</c> sends and receives over the wire,
/// on a client shared with other simulated data planes of its group. A receiver (Orleans observer) of its own,
/// registered by its first heartbeat before a full load (<c>Export</c>); a push whose delta continues its version is
/// applied with no call, a hint or a gap that stays 100 ms makes it ask for the changes (<c>GetChangesSince</c>, a
/// full load on a reset); a heartbeat every 5 s (<see cref="FeedTiming.HeartbeatInterval"/>) under its own instance id, which also catches up a missed push. It
/// keeps only the version (compiling routes is local work).
/// </summary>
internal sealed class SimulatedDataPlane(IClusterClient client, string group, string instanceId) : IGroupFollower
{
    private static readonly TimeSpan GapWait = TimeSpan.FromMilliseconds(100);
    private readonly SemaphoreSlim _applying = new(1, 1);
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
    private IGroupFollower? _reference;
    private long _version;

    public long Version => Volatile.Read(ref _version);

    public long Heartbeats { get; private set; }

    /// <summary>Pushes applied without a call, and change-feed or export calls made.</summary>
    public long Applied;

    public long Fetches;

    public async Task StartAsync()
    {
        _reference = client.CreateObjectReference<IGroupFollower>(this);
        await HeartbeatOnceAsync();
        var export = await client.GetGrain<IGatewayGroupGrain>(group).Export();
        Volatile.Write(ref _version, Math.Max(Version, export.Version));
    }

    private Task<long> HeartbeatOnceAsync() =>
        client.GetGrain<IGroupFeedGrain>(group).Heartbeat(_reference!, new DataPlaneHeartbeat(instanceId, "fleetsim", Version, "control_plane", _startedAt));

    public Task OnChanged(GroupChanged change)
    {
        var version = Version;
        if (change.Version <= version)
        {
            return Task.CompletedTask;
        }
        if (change.Delta is { ResetRequired: false } delta && delta.FromVersion <= version)
        {
            // Applied in place, as the data plane applies a continuing delta (the simulator keeps no routes).
            VersionCounter.RaiseTo(ref _version, change.Version);
            Interlocked.Increment(ref Applied);
            return Task.CompletedTask;
        }
        return change.PreviousVersion > version ? WaitForGapAsync(change.PreviousVersion) : FetchAsync();
    }

    private async Task WaitForGapAsync(long needed)
    {
        await Task.Delay(GapWait);
        if (Version < needed)
        {
            await FetchAsync();
        }
    }

    private async Task FetchAsync()
    {
        await _applying.WaitAsync();
        try
        {
            var grain = client.GetGrain<IGatewayGroupGrain>(group);
            var changes = await grain.GetChangesSince(Version);
            var next = changes.ResetRequired ? (await grain.Export()).Version : changes.ToVersion;
            Interlocked.Increment(ref Fetches);
            VersionCounter.RaiseTo(ref _version, next);
        }
        finally
        {
            _applying.Release();
        }
    }

    /// <summary>Heartbeats until <paramref name="stop"/>, starting at a random point of the period (as DPs started at random times).</summary>
    public async Task HeartbeatAsync(CancellationToken stop)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)FeedTiming.HeartbeatInterval.TotalMilliseconds)), stop);
            while (!stop.IsCancellationRequested)
            {
                var cpVersion = await HeartbeatOnceAsync();
                Heartbeats++;
                if (cpVersion > Version)
                {
                    await WaitForGapAsync(cpVersion); // as the data plane: usually the push is on its way
                }
                await Task.Delay(FeedTiming.HeartbeatInterval, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    public async Task StopAsync()
    {
        if (_reference is not null)
        {
            await client.GetGrain<IGroupFeedGrain>(group).Leave(_reference, instanceId);
            client.DeleteObjectReference<IGroupFollower>(_reference);
        }
    }
}
