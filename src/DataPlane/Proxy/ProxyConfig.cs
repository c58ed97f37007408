using System.Text.Json.Nodes;
using OrleansGateway.DataPlane.Plugins;
using OrleansGateway.DataPlane.Routing;

namespace OrleansGateway.DataPlane.Proxy;

/// <summary>
/// One applied configuration version, compiled for serving: the route table and the upstreams. Immutable; the proxy
/// reads the current one through <see cref="ProxyConfigHolder"/>, so a change swaps everything at once and requests
/// in flight finish on the version they started with.
/// </summary>
public sealed class ProxyConfig
{
    public required long Version { get; init; }

    /// <summary>Where it came from: <c>control_plane</c>, <c>fallback</c>, <c>standalone</c>, <c>cache</c>.</summary>
    public required string Source { get; init; }

    public required DateTimeOffset AppliedAt { get; init; }

    public required RouteTable Routes { get; init; }

    public required IReadOnlyDictionary<string, UpstreamDefinition> Upstreams { get; init; }

    /// <summary>Plugins of every global rule, run before the route's.</summary>
    public IReadOnlyList<PluginChain> GlobalPlugins { get; init; } = [];

    /// <summary>Each route's plugins (service's overlaid by the route's), by route id.</summary>
    public IReadOnlyDictionary<string, PluginChain> RoutePlugins { get; init; } = new Dictionary<string, PluginChain>();

    public ConsumerIndex Consumers { get; init; } = ConsumerIndex.Empty;

    /// <summary>The resources in APISIX's standalone shape, as received (kept for the local cache).</summary>
    public required string ResourcesJson { get; init; }

    public static ProxyConfig Empty { get; } = new()
    {
        Version = 0, Source = "empty", AppliedAt = DateTimeOffset.MinValue, Routes = RouteTable.Empty,
        Upstreams = new Dictionary<string, UpstreamDefinition>(), ResourcesJson = "{}",
    };

    /// <summary>Compiles a group's resources (standalone shape, already validated by the control plane).</summary>
    public static ProxyConfig Build(string resourcesJson, long version, string source, DateTimeOffset now, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var root = JsonNode.Parse(resourcesJson)!.AsObject();
        var services = Items(root, "services").ToDictionary(s => s["id"]!.GetValue<string>(), StringComparer.Ordinal);
        var upstreams = new Dictionary<string, UpstreamDefinition>(StringComparer.Ordinal);
        foreach (var upstream in Items(root, "upstreams"))
        {
            var key = $"upstreams/{upstream["id"]!.GetValue<string>()}";
            upstreams[key] = UpstreamDefinition.Parse(key, upstream);
        }
        foreach (var (kind, owner) in Items(root, "services").Select(s => ("services", s)).Concat(Items(root, "routes").Select(r => ("routes", r))))
        {
            if (owner["upstream"] is JsonObject inline)
            {
                var key = $"{kind}/{owner["id"]!.GetValue<string>()}";
                upstreams[key] = UpstreamDefinition.Parse(key, inline);
            }
        }
        var routes = new List<CompiledRoute>();
        var routePlugins = new Dictionary<string, PluginChain>(StringComparer.Ordinal);
        foreach (var route in Items(root, "routes"))
        {
            var service = route["service_id"] is JsonValue sid ? services.GetValueOrDefault(sid.GetValue<string>()) : null;
            if (CompiledRoute.Compile(route, service) is { } compiled)
            {
                routes.Add(compiled);
                var chain = PluginChain.Build(service?["plugins"] as JsonObject, route["plugins"] as JsonObject, $"route:{compiled.Id}", time);
                if (chain.Plugins.Count > 0)
                {
                    routePlugins[compiled.Id] = chain;
                }
            }
        }
        var globalPlugins = Items(root, "global_rules")
            .Select(g => PluginChain.Build(null, g["plugins"] as JsonObject, $"global:{g["id"]}", time))
            .Where(c => c.Plugins.Count > 0)
            .ToList();
        return new ProxyConfig
        {
            Version = version,
            Source = source,
            AppliedAt = now,
            Routes = RouteTable.Build(routes, version),
            Upstreams = upstreams,
            GlobalPlugins = globalPlugins,
            RoutePlugins = routePlugins,
            Consumers = ConsumerIndex.Build(Items(root, "consumers")),
            ResourcesJson = resourcesJson,
        };
    }

    private static IEnumerable<JsonObject> Items(JsonObject root, string kind) =>
        root[kind] is JsonArray list ? list.OfType<JsonObject>() : [];
}
