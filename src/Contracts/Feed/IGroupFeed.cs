using Orleans.Concurrency;
using OrleansGateway.Contracts.Grains;

namespace OrleansGateway.Contracts.Feed;

/// <summary>
/// A data plane's way in to its group's changes (the grain key is the group id). It is a stateless worker: every call
/// runs on the silo whose gateway carried it, so a data plane registers with the silo it is connected to, and that
/// silo pushes the group's changes to it over the same connection.
/// </summary>
[Alias("og.IGroupFeedGrain")]
public interface IGroupFeedGrain : IGrainWithStringKey
{
    /// <summary>
    /// Registers (or refreshes) <paramref name="follower"/> for the group's pushes and records the data plane's
    /// heartbeat. Returns the newest group version this silo knows: a data plane behind it missed a push and asks
    /// for the changes. A follower not refreshed for <see cref="FeedTiming.FollowerExpiry"/> is dropped.
    /// </summary>
    [Alias("Heartbeat")]
    Task<long> Heartbeat(IGroupFollower follower, DataPlaneHeartbeat heartbeat);

    /// <summary>
    /// Stops pushes to the data plane <paramref name="instanceId"/> (it is stopping or reconnecting), if
    /// <paramref name="follower"/> is its receiver: one data plane cannot unregister another.
    /// </summary>
    [Alias("Leave")]
    Task Leave(IGroupFollower follower, string instanceId);
}

/// <summary>A data plane's receiver of its group's pushes (an observer on its Orleans client).</summary>
[Alias("og.IGroupFollower")]
public interface IGroupFollower : IGrainObserver
{
    /// <summary>One commit of the group (one-way: the silo does not wait for an answer).</summary>
    [OneWay, Alias("OnChanged")]
    Task OnChanged(GroupChanged change);
}

/// <summary>The timing data planes and silos agree on.</summary>
public static class FeedTiming
{
    /// <summary>
    /// How often a data plane heartbeats (and refreshes its registration). Changes do not wait for it (they are
    /// pushed), and a data plane notices a lost connection at once (Orleans tells it), so the heartbeat is for the
    /// registry, for a silo that hangs without closing the connection, and for a push that went missing: 5 s keeps
    /// 1,000 data planes at 200 calls a second (measured in bench/README.md; Kong's data planes ping every 30 s).
    /// </summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(5);

    /// <summary>A follower silent this long gets no more pushes (three missed heartbeats).</summary>
    public static readonly TimeSpan FollowerExpiry = TimeSpan.FromSeconds(15);

    /// <summary>How often each silo reports its followers of a group to the group's registry.</summary>
    public static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(5);
}
