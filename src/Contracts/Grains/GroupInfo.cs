namespace OrleansGateway.Contracts.Grains;

/// <summary>A gateway group's identity and its current version (the newest modifiedIndex).</summary>
[GenerateSerializer, Immutable, Alias("og.GroupInfo")]
public sealed record GroupInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Description,
    [property: Id(3)] long Version,
    [property: Id(4)] long CreateTime,
    [property: Id(5)] long UpdateTime)
{
    /// <summary>The silo whose activation answered (the group's current owner), when known.</summary>
    [Id(6)]
    public string? Silo { get; init; }
}

/// <summary>The outcome of a call on a group itself (create, delete, config).</summary>
[GenerateSerializer, Immutable, Alias("og.GroupResult")]
public sealed record GroupResult(
    [property: Id(0)] int Status,
    [property: Id(1)] string? Error,
    [property: Id(2)] GroupInfo? Group,
    [property: Id(3)] string? ConfigJson = null);
