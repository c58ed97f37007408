using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Runtime.Services;
using Orleans.Services;
using OrleansGateway.Contracts.Feed;

namespace OrleansGateway.Grains.Feed;

/// <summary>Each silo's <see cref="FollowerHub"/> as the group grains reach it: a grain service, addressed by silo.</summary>
[Alias("og.IFollowerHubService")]
public interface IFollowerHubService : IGrainService
{
    /// <summary>Pushes one commit to this silo's followers of its group (one-way: the group's grain does not wait).</summary>
    [OneWay, Alias("Publish")]
    Task Publish(GroupChanged change);
}

public sealed class FollowerHubService(GrainId id, Silo silo, ILoggerFactory loggers, FollowerHub hub)
    : GrainService(id, silo, loggers), IFollowerHubService
{
    public Task Publish(GroupChanged change)
    {
        hub.Publish(change);
        return Task.CompletedTask;
    }
}

/// <summary>Addresses the hub of a given silo.</summary>
public interface IFollowerHubs : IGrainServiceClient<IFollowerHubService>
{
    IFollowerHubService On(SiloAddress silo);
}

public sealed class FollowerHubs(IServiceProvider services) : GrainServiceClient<IFollowerHubService>(services), IFollowerHubs
{
    public IFollowerHubService On(SiloAddress silo) => GetGrainService(silo);
}
