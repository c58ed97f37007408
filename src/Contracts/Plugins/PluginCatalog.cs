using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.Contracts.Plugins;

/// <summary>The plugins this project implements, with their configuration schemas (APISIX-compatible subsets).</summary>
public static class PluginCatalog
{
    /// <summary>Every known plugin by name.</summary>
    public static IReadOnlyDictionary<string, PluginDefinition> All { get; } = Build();

    private static Dictionary<string, PluginDefinition> Build()
    {
        PluginDefinition[] plugins =
        [
            new("cors", 4000, Cors()),
            new("ip-restriction", 3000, IpRestriction()),
            new("proxy-rewrite", 1008, ProxyRewrite()),
            new("response-rewrite", 899, ResponseRewrite()),
            .. AuthPluginSchemas.Definitions(),
            .. TrafficPluginSchemas.Definitions(),
            .. RequestPluginSchemas.Definitions(),
            .. ReleasePluginSchemas.Definitions(),
            .. TransformPluginSchemas.Definitions(),
            .. LoggerPluginSchemas.Definitions(),
        ];
        return plugins.ToDictionary(p => p.Name, StringComparer.Ordinal);
    }

    private static (string, Schema) Meta() => PluginSchema.Meta();

    private static ObjectSchema Cors() => new(
        ("allow_origins", S.Str(1)), ("allow_methods", S.Str(1)), ("allow_headers", S.Str(1)),
        ("expose_headers", S.Str()), ("max_age", S.Int()), ("allow_credential", S.Bool()),
        ("allow_origins_by_regex", S.Arr(S.Regex(), min: 1, unique: true)), Meta())
    {
        Rules =
        [
            o => o["allow_credential"]?.GetValue<bool>() == true &&
                 new[] { "allow_origins", "allow_methods", "allow_headers", "expose_headers" }.Any(k => o[k]?.GetValue<string>() == "*" || (k != "expose_headers" && !o.ContainsKey(k)))
                ? "you can not set '*' for other option when 'allow_credential' is true"
                : null,
        ],
    };

    private static ObjectSchema IpRestriction() => new(
        ("whitelist", S.Arr(S.IpOrCidr(), min: 1)), ("blacklist", S.Arr(S.IpOrCidr(), min: 1)),
        ("message", S.Str(1, 1024)), ("response_code", S.Int(403, 404)), Meta())
    {
        Rules = [S.AtLeastOne("whitelist", "blacklist"), S.AtMostOne("whitelist", "blacklist")],
    };

    /// <summary><c>headers</c> of proxy-rewrite and response-rewrite: a flat map (meaning set) or {set, add, remove}.</summary>
    private static Schema HeaderOps() => new OneOfSchema(
        S.Map(S.Str(), S.Str(1, pattern: "^[^:]+$")),
        new ObjectSchema(("set", S.Map(S.Str(), S.Str(1))), ("add", S.Map(S.Str(), S.Str(1))), ("remove", S.Arr(S.Str(1)))) { MinProperties = 1 });

    private static ObjectSchema ProxyRewrite() => new(
        ("uri", S.Str(1, 4096, @"^\/.*")),
        ("regex_uri", S.Arr(S.Str(1), min: 2)),
        ("method", S.Enum("GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "MKCOL", "COPY", "MOVE", "PROPFIND", "LOCK", "UNLOCK", "PATCH", "TRACE")),
        ("host", S.Str(1, pattern: @"^[0-9a-zA-Z-.]+(:\d{1,5})?$")),
        ("scheme", S.Enum("http", "https")),
        ("headers", HeaderOps()),
        ("use_real_request_uri_unsafe", S.Bool()), Meta())
    {
        Rules = [RegexPairs("regex_uri")],
    };

    private static Func<JsonObject, string?> RegexPairs(string property) => o =>
    {
        if (o[property] is not JsonArray pairs)
        {
            return null;
        }
        if (pairs.Count % 2 != 0)
        {
            return $"property \"{property}\" validation failed: expected pairs of [pattern, replacement], got {pairs.Count} items";
        }
        for (var i = 0; i < pairs.Count; i += 2)
        {
            if (S.RegexError(pairs[i]!.GetValue<string>()) is { } error)
            {
                return $"property \"{property}\" validation failed: {error}";
            }
        }
        return null;
    };

    private static ObjectSchema ResponseRewrite() => new(
        ("status_code", S.Int(200, 598)), ("body", S.Str()), ("body_base64", S.Bool()),
        ("headers", HeaderOps()), ("vars", S.Arr(new AnySchema())), Meta())
    {
        Rules =
        [
            o => VarsCheck.Check(o["vars"]),
            o => o["body_base64"]?.GetValue<bool>() == true && o["body"] is JsonValue body && !IsBase64(body.GetValue<string>())
                ? "property \"body\" validation failed: invalid base64 content"
                : null,
            o => o["body_base64"]?.GetValue<bool>() == true && o["body"] is null
                ? "property \"body\" is required when \"body_base64\" is true"
                : null,
        ],
    };

    private static bool IsBase64(string text)
    {
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out _);
    }
}
