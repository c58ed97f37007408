using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Plugins;
using OrleansGateway.Contracts.Resources;

namespace OrleansGateway.Contracts.Validation;

/// <summary>The schema of each resource kind: an APISIX v3-compatible subset, unknown properties refused.</summary>
public static class ResourceSchemas
{
    /// <summary>HTTP methods a route may name.</summary>
    public static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE", "PURGE"];

    private static readonly Dictionary<ResourceKind, ObjectSchema> ByKind = new()
    {
        [ResourceKind.Route] = Route(),
        [ResourceKind.Service] = Service(),
        [ResourceKind.Upstream] = Upstream(),
        [ResourceKind.Consumer] = Consumer(),
        [ResourceKind.Ssl] = Ssl(),
        [ResourceKind.GlobalRule] = GlobalRule(),
        [ResourceKind.PluginConfig] = PluginConfig(),
        [ResourceKind.ConsumerGroup] = ConsumerGroup(),
        [ResourceKind.PluginMetadata] = new ObjectSchema(("id", S.Str(1))) { AllowUnknown = true }, // the plugin's own schema follows
        [ResourceKind.Proto] = new ObjectSchema([.. Common(), Name(), Desc(), Labels(), ("content", S.Str(1, 1024 * 1024))]) { Required = ["content"] },
    };

    /// <summary>The schema of <paramref name="kind"/>.</summary>
    public static ObjectSchema For(ResourceKind kind) => ByKind[kind];

    /// <summary>An upstream given inline (a route's, a service's, traffic-split's): no id of its own.</summary>
    internal static ObjectSchema InlineUpstream() => Upstream(inline: true);

    private static readonly StringSchema IdSchema = S.Id();
    private static readonly StringSchema UsernameSchema = S.Str(1, 100, @"^[a-zA-Z0-9_\-]+$");

    /// <summary>APISIX's id in a body: a string of the id pattern or an integer of at least 1.</summary>
    public static AnyOfSchema AnyId() => new(S.Id(), S.Int(min: 1));

    /// <summary>Checks an id taken from a path: null when valid.</summary>
    public static string? IdCheck(ResourceKind kind, string id) => kind switch
    {
        ResourceKind.Consumer => UsernameSchema.Check(JsonValue.Create(id)),
        ResourceKind.PluginMetadata => null, // a plugin's name, checked against the plugins provided
        _ => IdSchema.Check(JsonValue.Create(id)),
    };

    private static (string, Schema)[] Common() =>
    [
        ("id", AnyId()),
        ("create_time", S.Int()), ("update_time", S.Int()),
    ];

    private static (string, Schema) Name() => ("name", S.Str(1, 256));
    private static (string, Schema) Desc() => ("desc", S.Str(max: 256));
    private static (string, Schema) Labels() => ("labels", S.Labels());

    private static Schema Timeout() => new ObjectSchema(
        ("connect", S.Num(exclusiveMin: 0)), ("send", S.Num(exclusiveMin: 0)), ("read", S.Num(exclusiveMin: 0)))
    {
        Required = ["connect", "send", "read"],
    };

    private static ObjectSchema Route() => new(
    [
        .. Common(), Name(), Desc(), Labels(),
        ("uri", S.Str(1, 4096)), ("uris", S.Arr(S.Str(1, 4096), min: 1, unique: true)),
        ("host", S.Host()), ("hosts", S.Arr(S.Host(), min: 1, unique: true)),
        ("remote_addr", S.IpOrCidr()), ("remote_addrs", S.Arr(S.IpOrCidr(), min: 1, unique: true)),
        ("methods", S.Arr(S.Enum(Methods), unique: true)),
        ("priority", S.Int()), ("vars", S.Arr(new AnySchema())),
        ("plugins", PluginsSchema.ForRoutes), ("plugin_config_id", AnyId()),
        ("upstream", Upstream(inline: true)), ("upstream_id", AnyId()), ("service_id", AnyId()),
        ("timeout", Timeout()), ("enable_websocket", S.Bool()), ("status", S.Int().WithEnum(0, 1)),
    ])
    {
        Rules =
        [
            S.AtLeastOne("uri", "uris"), S.AtMostOne("uri", "uris"), S.AtMostOne("upstream", "upstream_id"),
            S.AtLeastOne("plugins", "upstream", "upstream_id", "service_id"),
        ],
    };

    private static ObjectSchema Service() => new(
    [
        .. Common(), Name(), Desc(), Labels(),
        ("upstream", Upstream(inline: true)), ("upstream_id", AnyId()),
        ("plugins", PluginsSchema.ForRoutes), ("hosts", S.Arr(S.Host(), min: 1, unique: true)),
        ("enable_websocket", S.Bool()),
    ])
    {
        Rules = [S.AtMostOne("upstream", "upstream_id")],
    };

    private static ObjectSchema Consumer() => new(
        ("username", S.Str(1, 100, @"^[a-zA-Z0-9_\-]+$")), Desc(), Labels(),
        ("plugins", PluginsSchema.ForConsumers), ("group_id", AnyId()), ("create_time", S.Int()), ("update_time", S.Int()))
    {
        Required = ["username"],
    };

    private static ObjectSchema PluginConfig() => new([.. Common(), ("name", S.Str()), Desc(), Labels(), ("plugins", PluginsSchema.ForRoutes)])
    {
        Required = ["id", "plugins"],
    };

    private static ObjectSchema ConsumerGroup() => new([.. Common(), Name(), Desc(), Labels(), ("plugins", PluginsSchema.ForRoutes)])
    {
        Required = ["id", "plugins"],
    };

    private static ObjectSchema GlobalRule() => new([.. Common(), ("plugins", PluginsSchema.ForRoutes)])
    {
        Required = ["plugins"],
    };

    /// <summary>A PEM certificate as APISIX bounds it, or a secret reference resolved where it is used.</summary>
    private static Schema Certificate() => new SecretOrSchema(S.Str(128, 64 * 1024));

    /// <summary>A PEM private key as APISIX bounds it, or a secret reference.</summary>
    private static Schema PrivateKey() => new SecretOrSchema(S.Str(64, 64 * 1024));

    private static ObjectSchema Ssl() => new(
    [
        .. Common(), Desc(), Labels(),
        ("cert", Certificate()), ("key", PrivateKey()),
        ("certs", S.Arr(Certificate())), ("keys", S.Arr(PrivateKey())),
        ("sni", S.Host()), ("snis", S.Arr(S.Host(), min: 1, unique: true)),
        ("type", S.Enum("server", "client")), ("status", S.Int().WithEnum(0, 1)),
        ("client", new ObjectSchema(("ca", Certificate()), ("depth", S.Int(min: 0)), ("skip_mtls_uri_regex", S.Arr(S.Regex(), min: 1, unique: true)))
        {
            Required = ["ca"],
        }),
        ("ssl_protocols", S.Arr(S.Enum("TLSv1.1", "TLSv1.2", "TLSv1.3"), max: 3, unique: true)),
    ])
    {
        // APISIX's if/then/else: a server certificate (the default) needs its key, its cert and one of sni or snis.
        Rules = [SslRequired],
    };

    private static string? SslRequired(JsonObject ssl)
    {
        var server = ssl["type"]?.GetValue<string>() != "client";
        var missing = new[] { "key", "cert" }.FirstOrDefault(p => !ssl.ContainsKey(p));
        if (!server)
        {
            return missing is null ? null : $"property \"{missing}\" is required";
        }
        var sniError = (ssl.ContainsKey("sni"), ssl.ContainsKey("snis")) switch
        {
            (false, false) => "one of \"sni\", \"snis\" is required",
            (true, true) => "only one of \"sni\", \"snis\" may be set",
            _ => null,
        };
        var reason = missing is not null ? $"property \"{missing}\" is required" : sniError;
        return reason is null ? null : AdminErrors.Described("then clause did not match", reason);
    }

    private static ObjectSchema Upstream(bool inline = false)
    {
        var nodeList = S.Arr(new ObjectSchema(
            ("host", S.Host()), ("port", S.Int(1, 65535)), ("weight", S.Int(min: 0)),
            ("priority", S.Int()), ("metadata", new ObjectSchema { AllowUnknown = true }))
        {
            Required = ["host", "weight"],
        });
        var nodeMap = S.Map(S.Int(min: 0), S.Str(1, 260, @"^\[?[0-9a-zA-Z-._:\]]+$", NodeAddressError));
        var healthy = S.Obj(("interval", S.Int(min: 1)), ("http_statuses", HttpStatuses()), ("successes", S.Int(1, 254)));
        var unhealthy = S.Obj(
            ("interval", S.Int(min: 1)), ("http_statuses", HttpStatuses()), ("http_failures", S.Int(1, 254)),
            ("tcp_failures", S.Int(1, 254)), ("timeouts", S.Int(1, 254)));
        var active = S.Obj(
            ("type", S.Enum("http", "https", "tcp")), ("timeout", S.Num(exclusiveMin: 0)), ("concurrency", S.Int(min: 1)),
            ("host", S.Host()), ("port", S.Int(1, 65535)), ("http_path", S.Str(1, pattern: "^/")),
            ("https_verify_certificate", S.Bool()), ("req_headers", S.Arr(S.Str(1), unique: true)),
            ("healthy", healthy), ("unhealthy", unhealthy));
        var passive = S.Obj(
            ("type", S.Enum("http", "https", "tcp")),
            ("healthy", S.Obj(("http_statuses", HttpStatuses()), ("successes", S.Int(0, 254)))),
            ("unhealthy", S.Obj(("http_statuses", HttpStatuses()), ("http_failures", S.Int(0, 254)), ("tcp_failures", S.Int(0, 254)), ("timeouts", S.Int(0, 254)))));
        var checks = new ObjectSchema(("active", active), ("passive", passive))
        {
            Rules =
            [
                o => o.ContainsKey("passive") && !o.ContainsKey("active")
                    ? AdminErrors.Described("object matches none of the required: [\"active\"] or [\"active\",\"passive\"]", "passive health checks need active ones too")
                    : null,
            ],
        };
        (string, Schema)[] idFields = inline ? [("create_time", S.Int()), ("update_time", S.Int())] : Common();
        return new ObjectSchema(
        [
            .. idFields, Name(), Desc(), Labels(),
            ("type", S.Enum("roundrobin", "chash", "least_conn", "ewma")),
            ("nodes", new AnyOfSchema(nodeMap, nodeList)),
            ("service_name", S.Str(1, 256)), ("discovery_type", S.Str(1)),
            ("hash_on", S.Enum("vars", "header", "cookie", "consumer", "vars_combinations")), ("key", S.Str(1)),
            ("checks", checks), ("retries", S.Int(min: 0)), ("retry_timeout", S.Num(min: 0)),
            ("timeout", Timeout()),
            ("scheme", S.Enum("http", "https", "grpc", "grpcs")),
            ("pass_host", S.Enum("pass", "node", "rewrite")), ("upstream_host", S.Host()),
            ("keepalive_pool", S.Obj(("size", S.Int(min: 1)), ("idle_timeout", S.Num(min: 0)), ("requests", S.Int(min: 1)))),
            ("tls", new ObjectSchema(("client_cert_id", AnyId()), ("client_cert", Certificate()), ("client_key", PrivateKey()), ("verify", S.Bool()))
        {
            Rules =
            [
                o => o.ContainsKey("client_cert") != o.ContainsKey("client_key") ? "property \"client_cert\" and \"client_key\" go together" : null,
                o => o.ContainsKey("client_cert_id") && o.ContainsKey("client_cert") ? "\"client_cert_id\" can not be set with \"client_cert\" and \"client_key\"" : null,
            ],
        }),
        ])
        {
            Rules =
            [
                S.AtLeastOne("nodes", "service_name"), S.AtMostOne("nodes", "service_name"),
                o => o.ContainsKey("service_name") && !o.ContainsKey("discovery_type") ? "property \"discovery_type\" is required with \"service_name\"" : null,
                o => o["pass_host"]?.GetValue<string>() == "rewrite" && !o.ContainsKey("upstream_host") ? "property \"upstream_host\" is required when \"pass_host\" is \"rewrite\"" : null,
            ],
        };
    }

    private static ArraySchema HttpStatuses() => S.Arr(S.Int(200, 599), min: 1, unique: true);

    private static string? NodeAddressError(string address)
    {
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || address.EndsWith(']'))
        {
            return null;
        }
        var port = address[(colon + 1)..];
        if (address.Count(c => c == ':') > 1 && !address.Contains(']'))
        {
            return null; // a bare IPv6 address without a port
        }
        return int.TryParse(port, out var p) && p is >= 1 and <= 65535
            ? null
            : $"invalid port in node address \"{address}\": expected 1-65535";
    }

    private static NumberSchema WithEnum(this NumberSchema schema, params decimal[] values) =>
        new() { IntegerOnly = schema.IntegerOnly, Enum = values };
}
