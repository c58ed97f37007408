using OrleansGateway.Contracts.Resources;

namespace OrleansGateway.Contracts.Grains;

/// <summary>A whole gateway group at one version: every resource plus the instance configuration.</summary>
[GenerateSerializer, Immutable, Alias("og.GroupExport")]
public sealed record GroupExport(
    [property: Id(0)] string Group,
    [property: Id(1)] long Version,
    [property: Id(2)] IReadOnlyList<StoredResource> Resources,
    [property: Id(3)] string ConfigJson);

/// <summary>
/// What changed in a group after <see cref="FromVersion"/> up to <see cref="ToVersion"/>. When the change log no
/// longer reaches back that far, or the group was replaced in bulk since, <see cref="ResetRequired"/> is set and the
/// caller loads the whole group instead.
/// </summary>
[GenerateSerializer, Immutable, Alias("og.ChangeSet")]
public sealed record ChangeSet(
    [property: Id(0)] string Group,
    [property: Id(1)] long FromVersion,
    [property: Id(2)] long ToVersion,
    [property: Id(3)] bool ResetRequired,
    [property: Id(4)] IReadOnlyList<StoredResource> Upserted,
    [property: Id(5)] IReadOnlyList<OrleansGateway.Contracts.Resources.ResourceKey> Deleted,
    [property: Id(6)] bool ConfigChanged);
