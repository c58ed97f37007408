using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Configuration;
using OrleansGateway.Contracts.Grains;

namespace OrleansGateway.Grains.Cluster;

/// <summary>Answers from the silo the call lands on (a stateless worker: no placement, no state).</summary>
[StatelessWorker]
public sealed class ClusterIdentityGrain(IOptions<ClusterOptions> options) : Grain, IClusterIdentityGrain
{
    public Task<ClusterIdentity> Get() => Task.FromResult(new ClusterIdentity(options.Value.ClusterId, options.Value.ServiceId));
}
