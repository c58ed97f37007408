namespace OrleansGateway.Contracts.Resources;

/// <summary>Identifies one resource within a gateway group.</summary>
[GenerateSerializer, Immutable, Alias("og.ResourceKey")]
public readonly record struct ResourceKey(
    [property: Id(0)] ResourceKind Kind,
    [property: Id(1)] string Id)
{
    /// <inheritdoc />
    public override string ToString() => Kind.Key(Id);
}
