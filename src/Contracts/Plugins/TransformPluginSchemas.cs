using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.Contracts.Plugins;

/// <summary>
/// The plugins that check or transform bodies, and the observers, with APISIX's schemas: request-validation, gzip,
/// prometheus.
/// </summary>
internal static class TransformPluginSchemas
{
    public static IEnumerable<PluginDefinition> Definitions() =>
    [
        new("request-validation", 2800, RequestValidation()),
        new("gzip", 995, Gzip()),
        new("prometheus", 500, PluginSchema.Open(("prefer_name", S.Bool()))),
    ];

    private static ObjectSchema Gzip() => PluginSchema.Open(
        ("types", new AnyOfSchema(S.Arr(S.Str(1), min: 1), S.Enum("*"))),
        ("min_length", S.Int(1)), ("comp_level", S.Int(1, 9)),
        ("http_version", new NumberSchema { Enum = [1.1m, 1.0m] }),
        ("buffers", new ObjectSchema(("number", S.Int(1)), ("size", S.Int(1))) { AllowUnknown = true }),
        ("vary", S.Bool()));

    private static ObjectSchema RequestValidation() => new(PluginSchema.WithMeta(
        ("header_schema", new ObjectSchema { AllowUnknown = true }), ("body_schema", new ObjectSchema { AllowUnknown = true }),
        ("max_req_body_size", S.Int(1)), ("rejected_code", S.Int(200, 599)), ("rejected_msg", S.Str(1, 256))))
    {
        AllowUnknown = true,
        Rules =
        [
            o => o.ContainsKey("header_schema") || o.ContainsKey("body_schema")
                ? null
                : AdminErrors.Described("object matches none of the required", "header_schema or body_schema is required"),
            o => JsonSchemas.Error(o["body_schema"]) ?? JsonSchemas.Error(o["header_schema"]),
        ],
    };
}
