using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.Contracts.Plugins;

/// <summary>The loggers with APISIX's schemas: http-logger, its batch processor's settings and its plugin metadata.</summary>
internal static class LoggerPluginSchemas
{
    public static IEnumerable<PluginDefinition> Definitions() =>
    [
        new("http-logger", 410, HttpLogger(), EncryptFields: ["auth_header"], MetadataSchema: Metadata()),
    ];

    /// <summary>APISIX's batch processor settings, which every logger takes.</summary>
    private static (string, Schema)[] BatchProcessor() =>
    [
        ("name", S.Str()), ("batch_max_size", S.Int(1)), ("inactive_timeout", S.Int(1)), ("buffer_duration", S.Int(1)),
        ("max_retry_count", S.Int(0)), ("retry_delay", S.Int(0)),
    ];

    private static ObjectSchema HttpLogger() => new(PluginSchema.WithMeta(
        [("uri", S.Str(pattern: @"^[^\/]+:\/\/([\da-zA-Z.-]+|\[[\da-fA-F:]+\])(:\d+)?")), ("auth_header", S.Str()), ("timeout", S.Int(1)),
         ("log_format", new ObjectSchema { AllowUnknown = true }), ("log_format_extra", new ObjectSchema { AllowUnknown = true }),
         ("include_req_body", S.Bool()), ("include_req_body_expr", S.Arr(S.Arr(new AnySchema()), min: 1)),
         ("include_resp_body", S.Bool()), ("include_resp_body_expr", S.Arr(S.Arr(new AnySchema()), min: 1)),
         ("max_req_body_bytes", S.Int(1)), ("max_resp_body_bytes", S.Int(1)),
         ("concat_method", S.Enum("json", "new_line")), ("ssl_verify", S.Bool()), .. BatchProcessor()]))
    {
        Required = ["uri"],
        AllowUnknown = true,
        Rules = [Expression("include_req_body_expr"), Expression("include_resp_body_expr")],
    };

    private static Func<JsonObject, string?> Expression(string property) => o =>
        o[property] is JsonArray expression && VarsCheck.Reason(expression) is { } error
            ? $"failed to validate the '{property}' expression: {error}"
            : null;

    private static ObjectSchema Metadata() => new(
        ("log_format", new ObjectSchema { AllowUnknown = true }), ("log_format_extra", new ObjectSchema { AllowUnknown = true }),
        ("max_pending_entries", S.Int(1)))
    {
        AllowUnknown = true,
    };
}
