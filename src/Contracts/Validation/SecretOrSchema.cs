using System.Text.Json.Nodes;

namespace OrleansGateway.Contracts.Validation;

/// <summary>
/// A value checked by <see cref="Inner"/> unless it is a secret reference (<c>$secret://…</c>, <c>$env://…</c>), which
/// APISIX accepts in place of a certificate or key and resolves where it is used.
/// </summary>
public sealed class SecretOrSchema(Schema inner) : Schema
{
    /// <summary>The schema of a value given in place.</summary>
    public Schema Inner { get; } = inner;

    /// <inheritdoc />
    public override string? Check(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) && SslCertificates.IsSecretReference(s) ? null : Inner.Check(node);
}
