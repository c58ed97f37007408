using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.Contracts.Plugins;

/// <summary>Parts every plugin schema shares.</summary>
internal static class PluginSchema
{
    /// <summary><c>_meta</c>, accepted on every plugin.</summary>
    public static (string, Schema) Meta() =>
        ("_meta", S.Obj(("disable", S.Bool()), ("priority", S.Int()), ("error_response", new AnySchema()), ("filter", S.Arr(new AnySchema()))));

    /// <summary><paramref name="properties"/> and <c>_meta</c>.</summary>
    public static (string, Schema)[] WithMeta(params (string, Schema)[] properties) => [.. properties, Meta()];

    /// <summary>
    /// A plugin's schema as APISIX writes most of them: these properties checked, others accepted (its JSON schemas do
    /// not set <c>additionalProperties: false</c>).
    /// </summary>
    public static ObjectSchema Open(params (string, Schema)[] properties) => new(WithMeta(properties)) { AllowUnknown = true };
}
