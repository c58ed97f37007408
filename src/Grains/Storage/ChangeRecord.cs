using OrleansGateway.Contracts.Resources;

namespace OrleansGateway.Grains.Storage;

/// <summary>What one version changed; <see cref="ChangeKind.Reset"/> means the whole group was replaced.</summary>
public sealed record ChangeRecord(long Version, ChangeKind Change, ResourceKind Kind, string Id);

/// <summary>The kind of a change log entry.</summary>
public enum ChangeKind
{
    /// <summary>A resource was created or replaced.</summary>
    Upsert = 0,
    /// <summary>A resource was deleted.</summary>
    Delete = 1,
    /// <summary>Everything was replaced (bulk import, restore); readers behind it reload the whole group.</summary>
    Reset = 2,
    /// <summary>The instance configuration changed.</summary>
    Config = 3,
}
