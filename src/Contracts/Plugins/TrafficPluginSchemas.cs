using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.Contracts.Plugins;

/// <summary>
/// The traffic-control plugins with APISIX's schemas: api-breaker, limit-conn, limit-count, limit-req; the limits
/// count locally or, with <c>policy</c> <c>redis</c> / <c>redis-cluster</c>, in a Redis every data plane shares.
/// </summary>
internal static class TrafficPluginSchemas
{
    public static IEnumerable<PluginDefinition> Definitions() =>
    [
        new("api-breaker", 1005, ApiBreaker()),
        new("limit-conn", 1003, LimitConn(), EncryptFields: ["redis_password"]),
        new("limit-count", 1002, LimitCount(), EncryptFields: ["redis_password"], MetadataSchema: LimitCountMetadata()),
        new("limit-req", 1001, LimitReq(), EncryptFields: ["redis_password"]),
    ];

    private static (string, Schema)[] Common() =>
    [
        ("rejected_code", S.Int(200, 599)), ("rejected_msg", S.Str(1)), ("allow_degradation", S.Bool()),
        ("policy", S.Enum("local", "redis", "redis-cluster")),
    ];

    private static ObjectSchema LimitReq() => new(PluginSchema.WithMeta(
        [("rate", S.Num(exclusiveMin: 0)), ("burst", S.Num(0)), ("key", S.Str()), ("key_type", S.Enum("var", "var_combination")),
         ("nodelay", S.Bool()), .. Common()]))
    {
        Required = ["rate", "burst", "key"],
        AllowUnknown = true,
        Rules = [RedisPolicy(withKeyTtl: false)],
    };

    /// <summary>An integer above (or from) a bound, or a text with variables resolved per request.</summary>
    private static Schema IntOrTemplate(decimal? min = null, decimal? exclusiveMin = null) =>
        new OneOfSchema(S.Int(min, exclusiveMin: exclusiveMin), S.Str());

    private static ObjectSchema LimitConn() => new(PluginSchema.WithMeta(
        [("conn", IntOrTemplate(exclusiveMin: 0)), ("burst", IntOrTemplate(min: 0)), ("default_conn_delay", S.Num(exclusiveMin: 0)),
         ("only_use_default_delay", S.Bool()), ("key", S.Str()), ("key_type", S.Enum("var", "var_combination")),
         ("rules", S.Arr(new ObjectSchema(("conn", IntOrTemplate(exclusiveMin: 0)), ("burst", IntOrTemplate(min: 0)), ("key", S.Str()))
         {
             Required = ["conn", "burst", "key"],
             AllowUnknown = true,
         })),
         .. Common()]))
    {
        AllowUnknown = true,
        Rules =
        [
            o =>
            {
                // APISIX's oneOf: conn, burst, default_conn_delay and key; or default_conn_delay and rules.
                var single = new[] { "conn", "burst", "default_conn_delay", "key" }.All(o.ContainsKey);
                var rules = o.ContainsKey("default_conn_delay") && o.ContainsKey("rules");
                return (single, rules) switch
                {
                    (true, true) => "value should match only one schema, but matches both schemas 1 and 2",
                    (false, false) => AdminErrors.Described("value should match only one schema, but matches none",
                        "conn, burst, default_conn_delay and key are required (or default_conn_delay and rules)"),
                    _ => null,
                };
            },
            RedisPolicy(withKeyTtl: true),
        ],
    };

    private static ObjectSchema LimitCount() => new(PluginSchema.WithMeta(
        [("count", S.Int(exclusiveMin: 0)), ("time_window", S.Int(exclusiveMin: 0)),
         ("key_type", S.Enum("var", "var_combination", "constant")), ("key", S.Str(1)),
         ("show_limit_quota_header", S.Bool()), ("group", S.Str(1)), .. Common(), .. RedisProperties()]))
    {
        // Rules and sliding windows are not provided: refused by name rather than ignored.
        Rules =
        [
            o => new[] { "count", "time_window" }.FirstOrDefault(p => !o.ContainsKey(p)) is { } missing
                ? AdminErrors.Described("value should match only one schema, but matches none", $"property \"{missing}\" is required")
                : null,
            RedisPolicy(withKeyTtl: false),
        ],
    };

    /// <summary>Every property of both Redis variants, for limit-count's closed schema (the policy's own rule checks them).</summary>
    private static (string, Schema)[] RedisProperties() =>
    [
        ("redis_host", new AnySchema()), ("redis_port", new AnySchema()), ("redis_username", new AnySchema()), ("redis_password", new AnySchema()),
        ("redis_database", new AnySchema()), ("redis_timeout", new AnySchema()), ("redis_ssl", new AnySchema()), ("redis_ssl_verify", new AnySchema()),
        ("redis_keepalive_timeout", new AnySchema()), ("redis_keepalive_pool", new AnySchema()), ("redis_cluster_nodes", new AnySchema()),
        ("redis_cluster_name", new AnySchema()), ("redis_cluster_ssl", new AnySchema()), ("redis_cluster_ssl_verify", new AnySchema()),
    ];

    private static ObjectSchema LimitCountMetadata() => new(
        ("limit_header", S.Str()), ("remaining_header", S.Str()), ("reset_header", S.Str()))
    {
        AllowUnknown = true,
    };

    private static ObjectSchema RedisSchema(bool withKeyTtl) => new(
        [("redis_host", S.Str(2)), ("redis_port", S.Int(1)), ("redis_username", S.Str(1)), ("redis_password", S.Str(0)),
         ("redis_database", S.Int(0)), ("redis_timeout", S.Int(1)), ("redis_ssl", S.Bool()), ("redis_ssl_verify", S.Bool()),
         ("redis_keepalive_timeout", S.Int(1000)), ("redis_keepalive_pool", S.Int(1)), .. KeyTtl(withKeyTtl)])
    {
        Required = ["redis_host"],
        AllowUnknown = true,
    };

    private static ObjectSchema RedisClusterSchema(bool withKeyTtl) => new(
        [("redis_cluster_nodes", S.Arr(S.Str(2, 100), min: 1)), ("redis_password", S.Str(0)), ("redis_timeout", S.Int(1)),
         ("redis_cluster_name", S.Str()), ("redis_cluster_ssl", S.Bool()), ("redis_cluster_ssl_verify", S.Bool()),
         ("redis_keepalive_timeout", S.Int(1000)), ("redis_keepalive_pool", S.Int(1)), .. KeyTtl(withKeyTtl)])
    {
        Required = ["redis_cluster_nodes", "redis_cluster_name"],
        AllowUnknown = true,
    };

    private static (string, Schema)[] KeyTtl(bool withKeyTtl) => withKeyTtl ? [("key_ttl", S.Int())] : [];

    /// <summary>
    /// APISIX's <c>if policy == redis then … else if policy == redis-cluster then …</c>: its texts ("then clause did
    /// not match", "else clause did not match"), with what is wrong as the description.
    /// </summary>
    private static Func<JsonObject, string?> RedisPolicy(bool withKeyTtl) => o =>
    {
        var policy = o["policy"]?.GetValue<string>();
        var (schema, text) = policy switch
        {
            "redis" => (RedisSchema(withKeyTtl), "then clause did not match"),
            "redis-cluster" => (RedisClusterSchema(withKeyTtl), "else clause did not match"),
            _ => ((ObjectSchema?)null, ""),
        };
        return schema?.Check(o) is { } error ? AdminErrors.Described(text, error) : null;
    };

    private static ObjectSchema ApiBreaker() => new(PluginSchema.WithMeta(
        ("break_response_code", S.Int(200, 599)), ("break_response_body", S.Str()),
        ("break_response_headers", S.Arr(new ObjectSchema(("key", S.Str(1)), ("value", S.Str(1))) { Required = ["key", "value"], AllowUnknown = true })),
        ("max_breaker_sec", S.Int(3)),
        ("unhealthy", new ObjectSchema(("http_statuses", S.Arr(S.Int(500, 599), min: 1, unique: true)), ("failures", S.Int(1))) { AllowUnknown = true }),
        ("healthy", new ObjectSchema(("http_statuses", S.Arr(S.Int(200, 499), min: 1, unique: true)), ("successes", S.Int(1))) { AllowUnknown = true })))
    {
        Required = ["break_response_code"],
        AllowUnknown = true,
    };
}
