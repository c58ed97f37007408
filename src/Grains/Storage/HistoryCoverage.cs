namespace OrleansGateway.Grains.Storage;

/// <summary>
/// How much of a version range the retained history holds: the oldest audited version of the group (null: none) and
/// how many versions of the range have their audit entry (all of them, when the range is covered).
/// </summary>
public sealed record HistoryCoverage(long? Oldest, long Audited);
