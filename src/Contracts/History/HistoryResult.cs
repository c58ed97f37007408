namespace OrleansGateway.Contracts.History;

/// <summary>
/// The answer of a history call (diff): an HTTP-like status, an error when it failed, else the answer's JSON text.
/// </summary>
[GenerateSerializer, Immutable, Alias("og.HistoryResult")]
public sealed record HistoryResult(
    [property: Id(0)] int Status,
    [property: Id(1)] string? Error,
    [property: Id(2)] string? Json = null);
