using OrleansGateway.Contracts.Resources;

namespace OrleansGateway.Grains.Storage;

/// <summary>
/// What one version did to one resource (<see cref="Kind"/> null: to the instance configuration): its stored JSON
/// before and after (null: absent). Secrets stay as stored (sealed with the group's keyring of the time).
/// </summary>
public sealed record HistoryRecord(long Version, ResourceKind? Kind, string Id, string? Before, string? After)
{
    /// <summary>How <see cref="Kind"/> null (the instance configuration) is stored.</summary>
    public const short ConfigKind = -1;

    /// <summary>The stored number of <see cref="Kind"/>.</summary>
    public short StoredKind => Kind is { } kind ? (short)kind : ConfigKind;

    /// <summary>The <see cref="Kind"/> of a stored number.</summary>
    public static ResourceKind? KindOf(long stored) => stored == ConfigKind ? null : (ResourceKind)stored;
}
