namespace OrleansGateway.Contracts.Grains;

/// <summary>
/// The data planes of one gateway group (key: the group id), as their heartbeats report them. The heartbeat is also
/// each data plane's liveness check of the control plane, and its answer carries the group's version so that a data
/// plane that missed a stream event notices it within one heartbeat.
/// </summary>
[Alias("og.IDataPlaneRegistryGrain")]
public interface IDataPlaneRegistryGrain : IGrainWithStringKey
{
    /// <summary>Records a heartbeat; returns the group's current version.</summary>
    [Alias("Heartbeat")]
    Task<long> Heartbeat(DataPlaneHeartbeat heartbeat);

    /// <summary>Every data plane heard from recently, newest first.</summary>
    [Alias("List")]
    Task<IReadOnlyList<DataPlaneInstance>> List();
}

/// <summary>What a data plane says about itself.</summary>
[GenerateSerializer, Immutable, Alias("og.DataPlaneHeartbeat")]
public sealed record DataPlaneHeartbeat(
    [property: Id(0)] string InstanceId,
    [property: Id(1)] string Hostname,
    [property: Id(2)] long Version,
    [property: Id(3)] string Mode,
    [property: Id(4)] DateTimeOffset StartedAt);

/// <summary>A data plane as the control plane last saw it.</summary>
[GenerateSerializer, Immutable, Alias("og.DataPlaneInstance")]
public sealed record DataPlaneInstance(
    [property: Id(0)] DataPlaneHeartbeat Last,
    [property: Id(1)] DateTimeOffset LastSeen,
    [property: Id(2)] string Status);
