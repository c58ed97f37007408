using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.Contracts.Plugins;

/// <summary>
/// The plugins that answer, shape or refuse a request before it goes upstream, with APISIX's schemas and texts:
/// real-ip, client-control, request-id, fault-injection, mocking, ua-restriction, referer-restriction, uri-blocker,
/// redirect.
/// </summary>
internal static class RequestPluginSchemas
{
    /// <summary>request-id's default <c>range_id</c> characters, as APISIX ships them (G twice, no J).</summary>
    public const string RangeIdCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIGKLMNOPQRSTUVWXYZ0123456789";

    public static IEnumerable<PluginDefinition> Definitions() =>
    [
        new("real-ip", 23000, RealIp()),
        new("client-control", 22000, PluginSchema.Open(("max_body_size", S.Int(0)))),
        new("request-id", 12015, RequestId()),
        new("fault-injection", 11000, FaultInjection()),
        new("mocking", 10900, Mocking()),
        new("ua-restriction", 2999, UaRestriction()),
        new("referer-restriction", 2990, RefererRestriction()),
        new("uri-blocker", 2900, UriBlocker()),
        new("redirect", 900, Redirect()),
    ];

    private static ObjectSchema RealIp() => new(PluginSchema.WithMeta(
        ("trusted_addresses", S.Arr(S.IpOrCidr(), min: 1)), ("source", S.Str(1)), ("recursive", S.Bool())))
    {
        Required = ["source"],
        AllowUnknown = true,
    };

    private static ObjectSchema RequestId() => PluginSchema.Open(
        ("header_name", S.Str()), ("include_in_response", S.Bool()),
        ("algorithm", S.Enum("uuid", "nanoid", "range_id", "ksuid", "uuidv7")),
        ("range_id", new ObjectSchema(("length", S.Int(6)), ("char_set", S.Str(6))) { AllowUnknown = true }));

    /// <summary>A map of response headers: names without a colon, string or number values.</summary>
    private static ObjectSchema HeaderValues() => new()
    {
        AdditionalProperties = new OneOfSchema(S.Str(), S.Num()),
        PropertyNames = S.Str(pattern: "^[^:]+$"),
        MinProperties = 1,
    };

    private static Schema VarsList() => S.Arr(S.Arr(new AnySchema()), max: 20);

    private static ObjectSchema FaultInjection() => new(PluginSchema.WithMeta(
        ("abort", new ObjectSchema(("http_status", S.Int(200)), ("body", S.Str(0)), ("headers", HeaderValues()), ("percentage", S.Int(0, 100)), ("vars", VarsList()))
        {
            Required = ["http_status"],
            AllowUnknown = true,
        }),
        ("delay", new ObjectSchema(("duration", S.Num(0)), ("percentage", S.Int(0, 100)), ("vars", VarsList()))
        {
            Required = ["duration"],
            AllowUnknown = true,
        })))
    {
        AllowUnknown = true,
        MinProperties = 1,
        Rules =
        [
            // As APISIX: each vars expression checked by lua-resty-expr, its error given bare.
            o => new[] { o["abort"]?["vars"], o["delay"]?["vars"] }.OfType<JsonArray>().SelectMany(v => v)
                .Select(VarsCheck.Reason).FirstOrDefault(e => e is not null),
        ],
    };

    private static readonly string[] MockContentTypes = ["application/xml", "application/json", "text/plain", "text/html", "text/xml"];

    private static ObjectSchema Mocking() => new(PluginSchema.WithMeta(
        ("delay", S.Int()), ("response_status", S.Int(100)), ("content_type", S.Str()), ("response_example", S.Str()),
        ("response_schema", new ObjectSchema { AllowUnknown = true }), ("with_mock_header", S.Bool()),
        ("response_headers", HeaderValues())))
    {
        AllowUnknown = true,
        Rules =
        [
            o => o.ContainsKey("response_example") || o.ContainsKey("response_schema")
                ? null
                : AdminErrors.Described("object matches none of the required", "response_example or response_schema is required"),
            o =>
            {
                var type = o["content_type"]?.GetValue<string>() ?? "application/json;charset=utf8";
                var semicolon = type.IndexOf(';');
                return MockContentTypes.Contains(semicolon < 0 ? type : type[..semicolon]) ? null : "unsupported content type!";
            },
        ],
    };

    /// <summary>A list of regular expressions, each compiling (the compiler's error given bare, as APISIX).</summary>
    private static Func<JsonObject, string?> Patterns(params string[] properties) => o =>
        properties.Select(p => o[p]).OfType<JsonArray>().SelectMany(a => a).Select(n => S.RegexError(n!.GetValue<string>())).FirstOrDefault(e => e is not null);

    private static ObjectSchema UaRestriction() => new(PluginSchema.WithMeta(
        ("bypass_missing", S.Bool()), ("allowlist", S.Arr(S.Str(1), min: 1)), ("denylist", S.Arr(S.Str(1), min: 1)), ("message", S.Str(1, 1024))))
    {
        AllowUnknown = true,
        Rules = [ExactlyOne("allowlist", "denylist"), Patterns("allowlist", "denylist")],
    };

    private static StringSchema HostDef() => S.Str(pattern: @"^\*$|^\*?[0-9a-zA-Z-._\[\]:]+$");

    private static ObjectSchema RefererRestriction() => new(PluginSchema.WithMeta(
        ("bypass_missing", S.Bool()), ("whitelist", S.Arr(HostDef(), min: 1)), ("blacklist", S.Arr(HostDef(), min: 1)), ("message", S.Str(1, 1024))))
    {
        AllowUnknown = true,
        Rules = [ExactlyOne("whitelist", "blacklist")],
    };

    /// <summary>APISIX's <c>oneOf: [{required: [a]}, {required: [b]}]</c> and its texts.</summary>
    private static Func<JsonObject, string?> ExactlyOne(string first, string second) => o => (o.ContainsKey(first), o.ContainsKey(second)) switch
    {
        (true, true) => "value should match only one schema, but matches both schemas 1 and 2",
        (false, false) => AdminErrors.Described("value should match only one schema, but matches none", $"\"{first}\" or \"{second}\" is required"),
        _ => null,
    };

    private static ObjectSchema UriBlocker() => new(PluginSchema.WithMeta(
        ("block_rules", S.Arr(S.Str(1, 4096), unique: true)), ("rejected_code", S.Int(200)), ("rejected_msg", S.Str(1)), ("case_insensitive", S.Bool())))
    {
        Required = ["block_rules"],
        AllowUnknown = true,
        Rules = [Patterns("block_rules")],
    };

    private static ObjectSchema Redirect() => new(PluginSchema.WithMeta(
        ("ret_code", S.Int(200)), ("uri", S.Str(2)), ("regex_uri", S.Arr(S.Str(), min: 2, max: 2)), ("http_to_https", S.Bool()),
        ("encode_uri", S.Bool()), ("append_query_string", S.Bool())))
    {
        AllowUnknown = true,
        Rules =
        [
            o =>
            {
                var present = new[] { "uri", "regex_uri", "http_to_https" }.Select((name, i) => (name, i)).Where(p => o.ContainsKey(p.name)).ToList();
                return present.Count switch
                {
                    0 => AdminErrors.Described("value should match only one schema, but matches none", "one of \"uri\", \"regex_uri\" or \"http_to_https\" is required"),
                    1 => null,
                    _ => $"value should match only one schema, but matches both schemas {present[0].i + 1} and {present[1].i + 1}",
                };
            },
            o =>
            {
                if (o["regex_uri"] is not JsonArray { Count: 2 } pair || SslCertificates.IsSecretReference(pair[0]!.GetValue<string>()))
                {
                    return null;
                }
                var (pattern, replacement) = (pair[0]!.GetValue<string>(), pair[1]!.GetValue<string>());
                return S.RegexError(pattern) is { } error ? $"invalid regex_uri ({pattern}, {replacement}), err:{error}" : null;
            },
            o => o["http_to_https"]?.GetValue<bool>() == true && o["append_query_string"]?.GetValue<bool>() == true
                ? "only one of `http_to_https` and `append_query_string` can be configured."
                : null,
        ],
    };
}
