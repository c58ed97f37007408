namespace OrleansGateway.Contracts.History;

/// <summary>
/// Filters and paging of the audit log: times in Unix milliseconds (inclusive), the kind's path name
/// (<c>routes</c>), the admin key's name, the operation, the resource id; newest first.
/// </summary>
[GenerateSerializer, Immutable, Alias("og.AuditQuery")]
public sealed record AuditQuery(
    [property: Id(0)] long? Since = null,
    [property: Id(1)] long? Until = null,
    [property: Id(2)] string? Kind = null,
    [property: Id(3)] string? KeyName = null,
    [property: Id(4)] string? Operation = null,
    [property: Id(5)] string? Id = null,
    [property: Id(6)] int Page = 1,
    [property: Id(7)] int PageSize = 50);

/// <summary>
/// A page of the audit log with the count of entries that matched, the group's version, and the oldest version the
/// retained history can rebuild (<see cref="HistoryFrom"/>: diffs and rollbacks reach back to it).
/// </summary>
[GenerateSerializer, Immutable, Alias("og.AuditPage")]
public sealed record AuditPage(
    [property: Id(0)] long Total,
    [property: Id(1)] IReadOnlyList<AuditEntry> List,
    [property: Id(2)] long Version,
    [property: Id(3)] long HistoryFrom);
