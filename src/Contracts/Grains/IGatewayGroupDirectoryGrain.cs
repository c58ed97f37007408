namespace OrleansGateway.Contracts.Grains;

/// <summary>Lists the gateway groups of the cluster (key 0).</summary>
[Alias("og.IGatewayGroupDirectoryGrain")]
public interface IGatewayGroupDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>Every group with its version, ordered by id.</summary>
    [Alias("List")]
    Task<IReadOnlyList<GroupInfo>> List();
}
