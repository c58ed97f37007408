using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Grains;
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

    public required ShardedMap<UpstreamDefinition> Upstreams { get; init; }

    /// <summary>Plugins of every global rule, run before the route's.</summary>
    public IReadOnlyList<PluginChain> GlobalPlugins { get; init; } = [];

    /// <summary>Each route's plugins (service's overlaid by the route's), by route id.</summary>
    public ShardedMap<PluginChain> RoutePlugins { get; init; } = ShardedMap<PluginChain>.Empty;

    public ConsumerIndex Consumers { get; init; } = ConsumerIndex.Empty;

    /// <summary>The resources this was compiled from (kept for deltas and the local cache).</summary>
    public required ResourceSet Resources { get; init; }

    /// <summary>Compiled routes with the objects they came from, for reuse by the next version.</summary>
    private ShardedMap<CompiledEntry> Compiled { get; init; } = ShardedMap<CompiledEntry>.Empty;

    private sealed record CompiledEntry(JsonObject Route, JsonObject? Service, CompiledRoute Compiled, PluginChain Plugins);

    public static ProxyConfig Empty { get; } = new()
    {
        Version = 0, Source = "empty", AppliedAt = DateTimeOffset.MinValue, Routes = RouteTable.Empty,
        Upstreams = ShardedMap<UpstreamDefinition>.Empty, Resources = ResourceSet.Empty,
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
        var upstreams = ShardedMap<UpstreamDefinition>.Empty.ToBuilder();
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
        var compiled = ShardedMap<CompiledEntry>.Empty.ToBuilder();
        var routePlugins = ShardedMap<PluginChain>.Empty.ToBuilder();
        var routes = new List<CompiledRoute>();
        foreach (var route in set.Of(ResourceKind.Route))
        {
            var id = route["id"]!.GetValue<string>();
            var service = route["service_id"] is JsonValue sid ? set.Get(ResourceKind.Service, sid.GetValue<string>()) : null;
            var entry = previous?.Compiled.GetValueOrDefault(id) is { } old && ReferenceEquals(old.Route, route) && ReferenceEquals(old.Service, service)
                ? old
                : Compile(set, route, time);
            if (entry is null)
            {
                continue;
            }
            compiled[id] = entry;
            routes.Add(entry.Compiled);
            if (entry.Plugins.Plugins.Count > 0)
            {
                routePlugins[id] = entry.Plugins;
            }
        }
        var globalPlugins = BuildGlobalPlugins(set, time);
        return new ProxyConfig
        {
            Version = set.Version,
            Source = source,
            AppliedAt = now,
            Routes = RouteTable.Build(routes, set.Version),
            Upstreams = upstreams.Build(),
            GlobalPlugins = globalPlugins,
            RoutePlugins = routePlugins.Build(),
            Consumers = ConsumerIndex.Build(set.Of(ResourceKind.Consumer)),
            Resources = set,
            Compiled = compiled.Build(),
        };
    }

    /// <summary>
    /// This configuration with <paramref name="changes"/> applied (the caller checked they start at this version),
    /// in time proportional to the change: only changed upstreams, changed routes and the routes of changed services
    /// are compiled, and the route table is updated in place of being rebuilt. Consumers and global rules are
    /// re-indexed only when one of them changed.
    /// </summary>
    public ProxyConfig WithChanges(ChangeSet changes, string source, DateTimeOffset now, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var set = Resources.With(changes);
        var touched = changes.Deleted.Select(k => (k.Kind, k.Id)).Concat(changes.Upserted.Select(r => (r.Kind, r.Id))).ToHashSet();
        var upstreams = Upstreams.ToBuilder();
        foreach (var (kind, id) in touched.Where(t => t.Kind is ResourceKind.Upstream or ResourceKind.Service or ResourceKind.Route))
        {
            var key = $"{kind.PathName()}/{id}";
            var value = set.Get(kind, id);
            var definition = kind == ResourceKind.Upstream ? value : value?["upstream"] as JsonObject;
            if (definition is null)
            {
                upstreams.Remove(key);
            }
            else
            {
                upstreams[key] = ReuseUpstream(this, key, definition) ?? UpstreamDefinition.Parse(key, definition);
            }
        }

        var changedServices = touched.Where(t => t.Kind == ResourceKind.Service).Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        var routeIds = touched.Where(t => t.Kind == ResourceKind.Route).Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        if (changedServices.Count > 0)
        {
            // A service's hosts, upstream and plugins are inherited by its routes: recompile those (a rare change).
            routeIds.UnionWith(set.Of(ResourceKind.Route)
                .Where(r => r["service_id"] is JsonValue sid && changedServices.Contains(sid.GetValue<string>()))
                .Select(r => r["id"]!.GetValue<string>()));
        }
        var compiled = Compiled.ToBuilder();
        var routePlugins = RoutePlugins.ToBuilder();
        var removed = new List<CompiledRoute>();
        var added = new List<CompiledRoute>();
        foreach (var id in routeIds)
        {
            if (compiled.Remove(id, out var old))
            {
                removed.Add(old.Compiled);
                routePlugins.Remove(id);
            }
            if (set.Get(ResourceKind.Route, id) is { } route && Compile(set, route, time) is { } entry)
            {
                compiled[id] = entry;
                added.Add(entry.Compiled);
                if (entry.Plugins.Plugins.Count > 0)
                {
                    routePlugins[id] = entry.Plugins;
                }
            }
        }
        return new ProxyConfig
        {
            Version = set.Version,
            Source = source,
            AppliedAt = now,
            Routes = Routes.With(removed, added, set.Version),
            Upstreams = upstreams.Build(),
            GlobalPlugins = touched.Any(t => t.Kind == ResourceKind.GlobalRule) ? BuildGlobalPlugins(set, time) : GlobalPlugins,
            RoutePlugins = routePlugins.Build(),
            Consumers = touched.Any(t => t.Kind == ResourceKind.Consumer) ? ConsumerIndex.Build(set.Of(ResourceKind.Consumer)) : Consumers,
            Resources = set,
            Compiled = compiled.Build(),
        };
    }

    private static CompiledEntry? Compile(ResourceSet set, JsonObject route, TimeProvider time)
    {
        var id = route["id"]!.GetValue<string>();
        var service = route["service_id"] is JsonValue sid ? set.Get(ResourceKind.Service, sid.GetValue<string>()) : null;
        return CompiledRoute.Compile(route, service) is { } fresh
            ? new CompiledEntry(route, service, fresh, PluginChain.Build(service?["plugins"] as JsonObject, route["plugins"] as JsonObject, $"route:{id}", time))
            : null;
    }

    private static List<PluginChain> BuildGlobalPlugins(ResourceSet set, TimeProvider time) =>
        set.Of(ResourceKind.GlobalRule)
            .Select(g => PluginChain.Build(null, g["plugins"] as JsonObject, $"global:{g["id"]}", time))
            .Where(c => c.Plugins.Count > 0)
            .ToList();

    /// <summary>An upstream kept from the previous version when its value is the same object (its balancer state survives).</summary>
    private static UpstreamDefinition? ReuseUpstream(ProxyConfig? previous, string key, JsonObject value) =>
        previous?.Upstreams.GetValueOrDefault(key) is { } old && ReferenceEquals(old.Source, value) ? old : null;
}
