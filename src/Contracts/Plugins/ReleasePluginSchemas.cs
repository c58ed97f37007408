using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.Contracts.Plugins;

/// <summary>The release plugins with APISIX's schemas: proxy-mirror (copies traffic) and traffic-split (canary, blue-green).</summary>
internal static class ReleasePluginSchemas
{
    public static IEnumerable<PluginDefinition> Definitions() =>
    [
        new("proxy-mirror", 1010, ProxyMirror()),
        new("traffic-split", 966, TrafficSplit()),
    ];

    private static ObjectSchema ProxyMirror() => new(PluginSchema.WithMeta(
        ("host", S.Str(pattern: @"^(http(s)?|grpc(s)?):\/\/([\da-zA-Z.-]+|\[[\da-fA-F:]+\])(:\d+)?$")),
        ("path", S.Str(pattern: "^/[^?&]+$")),
        ("path_concat_mode", S.Enum("replace", "prefix")),
        ("sample_ratio", S.Num(0.00001m, 1))))
    {
        Required = ["host"],
        AllowUnknown = true,
    };

    private static ObjectSchema TrafficSplit() => new(PluginSchema.WithMeta(
        ("rules", S.Arr(new ObjectSchema(
            ("match", S.Arr(new ObjectSchema(("vars", S.Arr(new AnySchema()))) { AllowUnknown = true })),
            ("weighted_upstreams", S.Arr(new ObjectSchema(
                ("upstream_id", Validation.ResourceSchemas.AnyId()),
                ("upstream", Validation.ResourceSchemas.InlineUpstream()),
                ("weight", S.Int(0))) { AllowUnknown = true }, min: 1, max: 20)))
        {
            AllowUnknown = true,
        }))))
    {
        AllowUnknown = true,
        Rules = [Expressions, InlineUpstreams],
    };

    /// <summary>As APISIX: each rule's match expressions checked, with the route vars' text.</summary>
    private static string? Expressions(JsonObject conf)
    {
        foreach (var rule in conf["rules"] as JsonArray ?? [])
        {
            foreach (var match in rule?["match"] as JsonArray ?? [])
            {
                if (match?["vars"] is not JsonArray vars)
                {
                    return "failed to validate the 'vars' expression: missing argument rule";
                }
                if (VarsCheck.Check(vars) is { } error)
                {
                    return error;
                }
            }
        }
        return null;
    }

    /// <summary>Each inline upstream passes the checks an upstream's nodes and balancer get after its schema.</summary>
    private static string? InlineUpstreams(JsonObject conf)
    {
        foreach (var rule in conf["rules"] as JsonArray ?? [])
        {
            foreach (var weighted in rule?["weighted_upstreams"] as JsonArray ?? [])
            {
                if (weighted?["upstream"] is JsonObject upstream && UpstreamChecks.Check(upstream) is { } error)
                {
                    return error;
                }
            }
        }
        return null;
    }
}
