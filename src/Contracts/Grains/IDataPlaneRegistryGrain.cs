namespace OrleansGateway.Contracts.Grains;

/// <summary>
/// The data planes of one gateway group (key: the group id), as the silos they are connected to report them. A data
/// plane heartbeats to the silo whose gateway it uses (<see cref="Feed.IGroupFeedGrain"/>); each silo sends the
/// group's registry what changed among its followers every few seconds (<see cref="Report"/>), so no grain takes
/// every heartbeat and no heartbeat copies the list.
/// </summary>
[Alias("og.IDataPlaneRegistryGrain")]
public interface IDataPlaneRegistryGrain : IGrainWithStringKey
{
    /// <summary>One silo's followers of the group: what changed since its previous report, or all of them.</summary>
    [Alias("Report")]
    Task<FollowerReportAck> Report(FollowerReport report);

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

/// <summary>
/// One silo's report on the followers of a group. <see cref="Silo"/> is the silo's address, which names its incarnation
/// (a restarted silo is a new one), and <see cref="Sequence"/> numbers its reports: a registry that missed one (or lost
/// its memory) asks for a full report.
/// A follower the silo carries counts as seen when the silo last reported, until the silo reports it removed.
/// </summary>
[GenerateSerializer, Immutable, Alias("og.FollowerReport")]
public sealed record FollowerReport(
    [property: Id(0)] string Silo,
    [property: Id(2)] long Sequence,
    [property: Id(3)] bool Full,
    [property: Id(4)] IReadOnlyList<DataPlaneHeartbeat> Upserted,
    [property: Id(5)] IReadOnlyList<RemovedFollower> Removed);

/// <summary>
/// A follower the silo no longer carries, and how long before the report it last heard from it (a duration, so that
/// silos' clocks need not agree).
/// </summary>
[GenerateSerializer, Immutable, Alias("og.RemovedFollower")]
public sealed record RemovedFollower(
    [property: Id(0)] string InstanceId,
    [property: Id(1)] TimeSpan SilentFor);

/// <summary>The registry's answer: the group's version, and whether it needs a full report.</summary>
[GenerateSerializer, Immutable, Alias("og.FollowerReportAck")]
public sealed record FollowerReportAck(
    [property: Id(0)] long GroupVersion,
    [property: Id(1)] bool SendFull);
