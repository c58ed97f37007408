namespace OrleansGateway.Contracts.Resources;

/// <summary>
/// One accepted resource of a gateway group. <see cref="Json"/> is the normalized value object
/// (with <c>id</c>, <c>create_time</c> and <c>update_time</c>) exactly as the Admin API returns it.
/// </summary>
[GenerateSerializer, Immutable, Alias("og.StoredResource")]
public sealed record StoredResource(
    [property: Id(0)] ResourceKind Kind,
    [property: Id(1)] string Id,
    [property: Id(2)] string Json,
    [property: Id(3)] long CreatedIndex,
    [property: Id(4)] long ModifiedIndex)
{
    /// <summary>The etcd-style key, e.g. <c>/apisix/routes/1</c>.</summary>
    public string Key => Kind.Key(Id);
}
