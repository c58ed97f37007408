using OrleansGateway.Contracts.Resources;

namespace OrleansGateway.Contracts.Grains;

/// <summary>
/// The outcome of an Admin API call on a gateway group: an HTTP-like status, an APISIX-style error message
/// when it failed, and the item when there is one.
/// </summary>
[GenerateSerializer, Immutable, Alias("og.AdminResult")]
public sealed record AdminResult(
    [property: Id(0)] int Status,
    [property: Id(1)] string? Error,
    [property: Id(2)] StoredResource? Item,
    [property: Id(3)] long Version)
{
    /// <summary>A successful result carrying <paramref name="item"/>.</summary>
    public static AdminResult Ok(StoredResource item, long version, bool created = false) => new(created ? 201 : 200, null, item, version);

    /// <summary>A failed result.</summary>
    public static AdminResult Fail(int status, string error, long version = 0) => new(status, error, null, version);
}
