using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Resources;
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

    /// <summary>The resources this was compiled from (kept for deltas and the local cache).</summary>
    public required ResourceSet Resources { get; init; }

    /// <summary>Compiled routes with the objects they came from, for reuse by the next version.</summary>
    private IReadOnlyDictionary<string, CompiledEntry> Compiled { get; init; } = new Dictionary<string, CompiledEntry>();

    private sealed record CompiledEntry(JsonObject Route, JsonObject? Service, CompiledRoute Compiled, PluginChain Plugins);

    public static ProxyConfig Empty { get; } = new()
    {
        Version = 0, Source = "empty", AppliedAt = DateTimeOffset.MinValue, Routes = RouteTable.Empty,
        Upstreams = new Dictionary<string, UpstreamDefinition>(), Resources = ResourceSet.Empty,
    };

    /// <summary>Compiles a group's resources in the standalone shape (a snapshot or the cache).</summary>
    public static ProxyConfig Build(string resourcesJson, long version, string source, DateTimeOffset now, TimeProvider? time = null) =>
        Build(ResourceSet.FromStandaloneJson(resourcesJson, version), source, now, time);

    /// <summary>
    /// Compiles a group's resources (already validated by the control plane). Routes whose value and service are the
    /// same objects as in <paramref name="previous"/> are reused as they are, so a delta recompiles only what changed.
    /// </summary>
    public static ProxyConfig Build(ResourceSet set, string source, DateTimeOffset now, TimeProvider? time = null, ProxyConfig? previous = null)
    {
        time ??= TimeProvider.System;
        var upstreams = new Dictionary<string, UpstreamDefinition>(StringComparer.Ordinal);
        foreach (var upstream in set.Of(ResourceKind.Upstream))
        {
            var key = $"upstreams/{upstream["id"]!.GetValue<string>()}";
            upstreams[key] = ReuseUpstream(previous, key, upstream) ?? UpstreamDefinition.Parse(key, upstream);
        }
        foreach (var (kind, owner) in set.Of(ResourceKind.Service).Select(s => ("services", s)).Concat(set.Of(ResourceKind.Route).Select(r => ("routes", r))))
        {
            if (owner["upstream"] is JsonObject inline)
            {
                var key = $"{kind}/{owner["id"]!.GetValue<string>()}";
                upstreams[key] = ReuseUpstream(previous, key, inline) ?? UpstreamDefinition.Parse(key, inline);
            }
        }
        var compiled = new Dictionary<string, CompiledEntry>(StringComparer.Ordinal);
        var routePlugins = new Dictionary<string, PluginChain>(StringComparer.Ordinal);
        foreach (var route in set.Of(ResourceKind.Route))
        {
            var id = route["id"]!.GetValue<string>();
            var service = route["service_id"] is JsonValue sid ? set.Get(ResourceKind.Service, sid.GetValue<string>()) : null;
            var entry = previous?.Compiled.GetValueOrDefault(id) is { } old && ReferenceEquals(old.Route, route) && ReferenceEquals(old.Service, service)
                ? old
                : CompiledRoute.Compile(route, service) is { } fresh
                    ? new CompiledEntry(route, service, fresh, PluginChain.Build(service?["plugins"] as JsonObject, route["plugins"] as JsonObject, $"route:{id}", time))
                    : null;
            if (entry is null)
            {
                continue;
            }
            compiled[id] = entry;
            if (entry.Plugins.Plugins.Count > 0)
            {
                routePlugins[id] = entry.Plugins;
            }
        }
        var globalPlugins = set.Of(ResourceKind.GlobalRule)
            .Select(g => PluginChain.Build(null, g["plugins"] as JsonObject, $"global:{g["id"]}", time))
            .Where(c => c.Plugins.Count > 0)
            .ToList();
        return new ProxyConfig
        {
            Version = set.Version,
            Source = source,
            AppliedAt = now,
            Routes = RouteTable.Build(compiled.Values.Select(e => e.Compiled), set.Version),
            Upstreams = upstreams,
            GlobalPlugins = globalPlugins,
            RoutePlugins = routePlugins,
            Consumers = ConsumerIndex.Build(set.Of(ResourceKind.Consumer)),
            Resources = set,
            Compiled = compiled,
        };
    }

    /// <summary>An upstream kept from the previous version when its value is the same object (its balancer state survives).</summary>
    private static UpstreamDefinition? ReuseUpstream(ProxyConfig? previous, string key, JsonObject value) =>
        previous?.Upstreams.GetValueOrDefault(key) is { } old && ReferenceEquals(old.Source, value) ? old : null;
}
