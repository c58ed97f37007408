namespace OrleansGateway.Grains.Storage;

/// <summary>A group's row: identity, current version and instance configuration (JSON).</summary>
public sealed record GroupRecord(string Id, string Name, string Description, long Version, long CreateTime, long UpdateTime, string ConfigJson);
