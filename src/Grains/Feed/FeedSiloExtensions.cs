using Microsoft.Extensions.DependencyInjection;

namespace OrleansGateway.Grains.Feed;

public static class FeedSiloExtensions
{
    /// <summary>The per-silo fan-out of group changes to the data planes connected through the silo.</summary>
    public static ISiloBuilder AddGroupFeed(this ISiloBuilder silo)
    {
        silo.Services.AddSingleton<FollowerHub>();
        silo.Services.AddSingleton<IFollowerHubs, FollowerHubs>();
        silo.AddGrainService<FollowerHubService>();
        return silo;
    }
}
