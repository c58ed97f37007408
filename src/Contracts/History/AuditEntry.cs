namespace OrleansGateway.Contracts.History;

/// <summary>
/// One accepted write of a gateway group as the audit log shows it: the version it made, when (Unix milliseconds),
/// who (the admin key's <c>name</c>, never the key) from where, and what (<see cref="Operation"/> on
/// <see cref="Kind"/>/<see cref="Id"/>, or on <see cref="Resources"/> resources at once for a bulk write).
/// </summary>
[GenerateSerializer, Immutable, Alias("og.AuditEntry")]
public sealed record AuditEntry(
    [property: Id(0)] long Version,
    [property: Id(1)] long Time,
    [property: Id(2)] string Operation,
    [property: Id(3)] string? Kind,
    [property: Id(4)] string? Id,
    [property: Id(5)] string KeyName,
    [property: Id(6)] string? Client,
    [property: Id(7)] int Resources,
    [property: Id(8)] string? Detail = null);
