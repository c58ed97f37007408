using Orleans.Concurrency;
using OrleansGateway.Contracts.Feed;
using OrleansGateway.Contracts.Grains;

namespace OrleansGateway.Grains.Feed;

/// <summary>
/// A data plane's way in to its silo's <see cref="FollowerHub"/>. A stateless worker runs on the silo that received
/// the call, which for a data plane is the silo whose gateway it is connected through: the silo that will push to it.
/// One activation per group and silo is enough (each call is a few dictionary operations).
/// </summary>
[StatelessWorker(1)]
public sealed class GroupFeedGrain(FollowerHub hub) : Grain, IGroupFeedGrain
{
    public Task<long> Heartbeat(IGroupFollower follower, DataPlaneHeartbeat heartbeat) =>
        Task.FromResult(hub.Heartbeat(this.GetPrimaryKeyString(), follower, heartbeat));

    public Task Leave(IGroupFollower follower, string instanceId)
    {
        hub.Leave(this.GetPrimaryKeyString(), follower, instanceId);
        return Task.CompletedTask;
    }
}
