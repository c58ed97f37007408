namespace OrleansGateway.Contracts.Resources;

/// <summary>Names of each <see cref="ResourceKind"/> as they appear in Admin API paths and keys.</summary>
public static class ResourceKinds
{
    /// <summary>Every kind, in dependency order (a kind may only reference kinds before it).</summary>
    public static readonly IReadOnlyList<ResourceKind> All =
    [
        ResourceKind.Upstream, ResourceKind.Service, ResourceKind.PluginConfig, ResourceKind.ConsumerGroup,
        ResourceKind.Consumer, ResourceKind.Ssl, ResourceKind.GlobalRule, ResourceKind.PluginMetadata, ResourceKind.Proto,
        ResourceKind.Route,
    ];

    /// <summary>Every collection name, for messages: <c>upstreams, services, …</c>.</summary>
    public static string Names { get; } = string.Join(", ", All.Select(k => k.PathName()));

    /// <summary>The collection name used in paths and keys, e.g. <c>routes</c>.</summary>
    public static string PathName(this ResourceKind kind) => kind switch
    {
        ResourceKind.Route => "routes",
        ResourceKind.Service => "services",
        ResourceKind.Upstream => "upstreams",
        ResourceKind.Consumer => "consumers",
        ResourceKind.Ssl => "ssls",
        ResourceKind.GlobalRule => "global_rules",
        ResourceKind.PluginConfig => "plugin_configs",
        ResourceKind.ConsumerGroup => "consumer_groups",
        ResourceKind.PluginMetadata => "plugin_metadata",
        ResourceKind.Proto => "protos",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The singular name APISIX's Admin API messages use: <c>route</c>, <c>global rule</c>.</summary>
    public static string Singular(this ResourceKind kind) => kind switch
    {
        ResourceKind.Route => "route",
        ResourceKind.Service => "service",
        ResourceKind.Upstream => "upstream",
        ResourceKind.Consumer => "consumer",
        ResourceKind.Ssl => "ssl",
        ResourceKind.GlobalRule => "global rule",
        ResourceKind.PluginConfig => "plugin config",
        ResourceKind.ConsumerGroup => "consumer group",
        ResourceKind.PluginMetadata => "plugin_metadata",
        ResourceKind.Proto => "proto",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>
    /// APISIX's refusal of a method a kind does not take (consumers are named by their username, so no POST, and are
    /// replaced whole, so no PATCH; global rules, plugin configs and consumer groups take no POST), as its text; null
    /// when the kind takes it.
    /// </summary>
    public static string? Unsupported(ResourceKind kind, string method) =>
        (kind, method) is (ResourceKind.Consumer or ResourceKind.PluginMetadata, "POST" or "PATCH")
            or (ResourceKind.GlobalRule or ResourceKind.PluginConfig or ResourceKind.ConsumerGroup, "POST")
            ? $"not supported `{method}` method for {kind.Singular()}"
            : null;

    /// <summary>Parses a collection name such as <c>routes</c>.</summary>
    public static bool TryParse(string? pathName, out ResourceKind kind)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.PathName(), pathName, StringComparison.Ordinal))
            {
                kind = candidate;
                return true;
            }
        }
        kind = default;
        return false;
    }

    /// <summary>The etcd-style key APISIX shows for an item, e.g. <c>/apisix/routes/1</c>.</summary>
    public static string Key(this ResourceKind kind, string id) => $"/apisix/{kind.PathName()}/{id}";

    /// <summary>The field that names an item's id: <c>username</c> for consumers, <c>id</c> otherwise.</summary>
    public static string IdField(this ResourceKind kind) => kind == ResourceKind.Consumer ? "username" : "id";
}
