namespace OrleansGateway.Contracts.Grains;

/// <summary>
/// Which cluster and service the answering silo belongs to. A data plane asks on every connect: a gateway drops a client
/// of another <c>cluster_id</c>, but lets one of another <c>service_id</c> in, so without this check a data plane
/// configured for one service would follow another's group of the same name.
/// </summary>
[Alias("og.IClusterIdentityGrain")]
public interface IClusterIdentityGrain : IGrainWithIntegerKey
{
    [Alias("Get")]
    Task<ClusterIdentity> Get();
}

/// <summary>A silo's <c>deployment.orleans.cluster_id</c> and <c>service_id</c>.</summary>
[GenerateSerializer, Immutable, Alias("og.ClusterIdentity")]
public sealed record ClusterIdentity([property: Id(0)] string ClusterId, [property: Id(1)] string ServiceId);
