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

    /// <summary>As the data plane's <c>CallTimeout</c>: a heartbeat not answered within it counts as failed.</summary>
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(3);

    /// <summary>As the data plane's reconnect cadence while the control plane is unreachable.</summary>
    private static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _beatNow = new(0);
    private long _lostAtTicks;

    /// <summary>When its heartbeat first failed after the last success (null while connected).</summary>
    public TimeSpan? LostAt => Interlocked.Read(ref _lostAtTicks) is var t and > 0 ? TimeSpan.FromTicks(t) : null;

    /// <summary>Times the heartbeat failed, and the longest stretch without a working control plane.</summary>
    public long FailedHeartbeats;

    public TimeSpan LongestOutage { get; private set; }

    /// <summary>
    /// Heartbeats at once when Orleans reports a lost gateway connection, as the data plane does
    /// (<c>ControlPlaneConnection</c>'s cluster connection status observer).
    /// </summary>
    public void Watch(OrleansGateway.DataPlane.Sources.ControlPlaneConnection connection) => connection.ConnectionLost += () => _beatNow.Release();

    /// <summary>
    /// Heartbeats until <paramref name="stop"/>, starting at a random point of the period (as DPs started at random
    /// times), and at once on a lost connection. A heartbeat that fails is retried every second with a reload, as the
    /// data plane reconnects (here over the shared client, which reaches the silos left); <paramref name="clock"/>
    /// stamps when the control plane was lost and for how long.
    /// </summary>
    public async Task HeartbeatAsync(System.Diagnostics.Stopwatch clock, CancellationToken stop)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)FeedTiming.HeartbeatInterval.TotalMilliseconds)), stop);
            while (!stop.IsCancellationRequested)
            {
                var lost = LostAt;
                try
                {
                    var cpVersion = await HeartbeatOnceAsync().WaitAsync(CallTimeout, stop);
                    Heartbeats++;
                    if (lost is not null)
                    {
                        // Reconnected: as the data plane, registered by the heartbeat, then a reload.
                        await FetchAsync().WaitAsync(CallTimeout, stop);
                        var outage = clock.Elapsed - lost.Value;
                        if (outage > LongestOutage)
                        {
                            LongestOutage = outage;
                        }
                        Interlocked.Exchange(ref _lostAtTicks, 0);
                    }
                    else if (cpVersion > Version)
                    {
                        await WaitForGapAsync(cpVersion); // as the data plane: usually the push is on its way
                    }
                }
                catch (Exception e) when (e is TimeoutException or OrleansException or InvalidOperationException)
                {
                    Interlocked.Increment(ref FailedHeartbeats);
                    if (lost is null)
                    {
                        Interlocked.Exchange(ref _lostAtTicks, Math.Max(1, clock.Elapsed.Ticks));
                    }
                }
                await _beatNow.WaitAsync(LostAt is null ? FeedTiming.HeartbeatInterval : RetryEvery, stop);
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
