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
    public IReadOnlyList<PluginChain> GlobalPlugins
    {
        get;
        init
        {
            field = value;
            GlobalsNeedResponseBytes = value.Any(g => g.NeedsResponseBytes);
        }
    } = [];

    /// <summary>The chain of a route without plugins in this version (a consumer's plugins are compiled with its environment).</summary>
    public PluginChain NoPlugins { get; init; } = PluginChain.Empty;

    /// <summary>Whether a global rule's plugin reads responses' sizes (every response is then counted).</summary>
    public bool GlobalsNeedResponseBytes { get; private init; }

    /// <summary>Each route's plugins (service's, overlaid by its plugin config's, overlaid by its own), by route id.</summary>
    public ShardedMap<PluginChain> RoutePlugins { get; init; } = ShardedMap<PluginChain>.Empty;

    public ConsumerIndex Consumers { get; init; } = ConsumerIndex.Empty;

    /// <summary>How many routes test a <c>post_arg</c> variable: while any does, request bodies are read before routing.</summary>
    public int BodyReadingRoutes { get; init; }

    /// <summary>The resources this was compiled from (kept for deltas and the local cache).</summary>
    public required ResourceSet Resources { get; init; }

    /// <summary>
    /// The change set that made this version from the previous one (<see cref="WithChanges"/>), or null for a full
    /// build: what the local cache appends to its journal instead of writing the whole group.
    /// </summary>
    public ChangeSet? Delta { get; init; }

    /// <summary>The plugin metadata's texts this version's plugins were compiled with.</summary>
    private string PluginMetadataJson { get; init; } = "";

    /// <summary>Compiled routes with the text they came from (equal text: unchanged), for reuse by the next version.</summary>
    private ShardedMap<CompiledEntry> Compiled { get; init; } = ShardedMap<CompiledEntry>.Empty;

    private sealed record CompiledEntry(
        string RouteJson, string? ServiceId, string? ServiceJson, string? PluginConfigId, string? PluginConfigJson, CompiledRoute Compiled, PluginChain Plugins)
    {
        /// <summary>Compiled from this route text with these service and plugin config texts (equal: reusable).</summary>
        public bool CompiledFrom(string routeJson, ResourceSet set) =>
            string.Equals(RouteJson, routeJson, StringComparison.Ordinal)
            && string.Equals(ServiceJson, ServiceId is null ? null : set.GetJson(ResourceKind.Service, ServiceId), StringComparison.Ordinal)
            && string.Equals(PluginConfigJson, PluginConfigId is null ? null : set.GetJson(ResourceKind.PluginConfig, PluginConfigId), StringComparison.Ordinal);
    }

    public static ProxyConfig Empty { get; } = new()
    {
        Version = 0, Source = "empty", AppliedAt = DateTimeOffset.MinValue, Routes = RouteTable.Empty,
        Upstreams = ShardedMap<UpstreamDefinition>.Empty, Resources = ResourceSet.Empty,
    };

    /// <summary>Compiles a group's resources in the standalone shape (a snapshot or the cache) with its instance configuration.</summary>
    public static ProxyConfig Build(string resourcesJson, long version, string source, DateTimeOffset now, TimeProvider? time = null, ProxyConfig? previous = null, string configJson = "{}") =>
        Build(ResourceSet.FromStandaloneJson(resourcesJson, version, configJson), source, now, time, previous);

    /// <summary>
    /// Compiles a group's resources (already validated by the control plane). Routes whose text and service text equal
    /// those in <paramref name="previous"/> are reused as they are, so a reload recompiles only what changed.
    /// </summary>
    public static ProxyConfig Build(ResourceSet set, string source, DateTimeOffset now, TimeProvider? time = null, ProxyConfig? previous = null)
    {
        time ??= TimeProvider.System;
        var environment = Environment(set, time);
        var metadataJson = MetadataJson(set);
        // Plugins read the plugin metadata: when it changed, no compiled route of the previous version is reused.
        var reusable = previous is not null && previous.PluginMetadataJson == metadataJson ? previous : null;
        var upstreams = ShardedMap<UpstreamDefinition>.Empty.ToBuilder();
        foreach (var json in set.JsonOf(ResourceKind.Upstream))
        {
            var upstream = ResourceSet.Parse(json);
            var key = $"upstreams/{ResourceIds.Text(upstream["id"])}";
            upstreams[key] = ReuseUpstream(previous, key, json, set) ?? UpstreamDefinition.Parse(key, upstream, json, SslJson(set), set.Cipher);
        }
        // Each service parsed once, here: its routes inherit from the parsed object.
        var services = new Dictionary<string, JsonObject?>(StringComparer.Ordinal);
        foreach (var json in set.JsonOf(ResourceKind.Service))
        {
            var service = ResourceSet.Parse(json);
            services[ResourceIds.Text(service["id"])!] = service;
            AddInlineUpstream(upstreams, "services", service, json, previous, set);
        }
        var compiled = ShardedMap<CompiledEntry>.Empty.ToBuilder();
        var routePlugins = ShardedMap<PluginChain>.Empty.ToBuilder();
        var routes = new List<CompiledRoute>();
        foreach (var json in set.JsonOf(ResourceKind.Route))
        {
            var route = ResourceSet.Parse(json);
            AddInlineUpstream(upstreams, "routes", route, json, previous, set);
            var id = ResourceIds.Text(route["id"])!;
            var entry = reusable?.Compiled.GetValueOrDefault(id) is { } old && old.CompiledFrom(json, set)
                ? old
                : Compile(set, route, json, environment, services);
            if (entry is null)
            {
                continue;
            }
            Add(compiled, routePlugins, id, entry);
            routes.Add(entry.Compiled);
        }
        return new ProxyConfig
        {
            Version = set.Version,
            Source = source,
            AppliedAt = now,
            Routes = RouteTable.Build(routes, set.Version),
            BodyReadingRoutes = routes.Count(r => r.Vars.ReadsBody),
            Upstreams = upstreams.Build(),
            GlobalPlugins = BuildGlobalPlugins(set, environment),
            NoPlugins = PluginChain.None(environment),
            RoutePlugins = routePlugins.Build(),
            Consumers = BuildConsumers(set),
            Resources = set,
            Compiled = compiled.Build(),
            PluginMetadataJson = metadataJson,
        };
    }

    private static void AddInlineUpstream(ShardedMap<UpstreamDefinition>.Builder upstreams, string kind, JsonObject owner, string ownerJson, ProxyConfig? previous, ResourceSet set)
    {
        if (owner["upstream"] is JsonObject inline)
        {
            var key = $"{kind}/{ResourceIds.Text(owner["id"])}";
            upstreams[key] = ReuseUpstream(previous, key, ownerJson, set) ?? UpstreamDefinition.Parse(key, inline, ownerJson, SslJson(set), set.Cipher);
        }
    }

    private static Func<string, string?> SslJson(ResourceSet set) => id => set.GetJson(ResourceKind.Ssl, id);

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
        var environment = Environment(set, time);
        var touched = changes.Deleted.Select(k => (k.Kind, k.Id)).Concat(changes.Upserted.Select(r => (r.Kind, r.Id))).ToHashSet();
        var upstreams = Upstreams.ToBuilder();
        var changedSsls = touched.Where(t => t.Kind == ResourceKind.Ssl).Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        if (changedSsls.Count > 0)
        {
            // An upstream presenting a changed client certificate is parsed again (a rare change: a scan is fine).
            foreach (var upstream in Upstreams.Where(u => u.ClientCertId is { } cid && changedSsls.Contains(cid)))
            {
                var slash = upstream.Key.IndexOf('/');
                ResourceKinds.TryParse(upstream.Key[..slash], out var ownerKind);
                touched.Add((ownerKind, upstream.Key[(slash + 1)..]));
            }
        }
        foreach (var (kind, id) in touched.Where(t => t.Kind is ResourceKind.Upstream or ResourceKind.Service or ResourceKind.Route))
        {
            var key = $"{kind.PathName()}/{id}";
            var json = set.GetJson(kind, id);
            var value = json is null ? null : ResourceSet.Parse(json);
            var definition = kind == ResourceKind.Upstream ? value : value?["upstream"] as JsonObject;
            if (definition is null)
            {
                upstreams.Remove(key);
            }
            else
            {
                upstreams[key] = ReuseUpstream(this, key, json!, set) ?? UpstreamDefinition.Parse(key, definition, json!, SslJson(set), set.Cipher);
            }
        }

        var changedServices = touched.Where(t => t.Kind == ResourceKind.Service).Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        var changedPluginConfigs = touched.Where(t => t.Kind == ResourceKind.PluginConfig).Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        var routeIds = touched.Where(t => t.Kind == ResourceKind.Route).Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        var metadataChanged = touched.Any(t => t.Kind == ResourceKind.PluginMetadata);
        if (metadataChanged)
        {
            routeIds.UnionWith(Compiled.Select(e => e.Compiled.Id)); // plugins read it: recompile every route (a rare change)
        }
        if (changedServices.Count > 0 || changedPluginConfigs.Count > 0)
        {
            // A service's hosts, upstream and plugins and a plugin config's plugins are inherited by the routes that
            // name them: recompile those (a rare change). Disabled routes have no compiled entry and nothing to recompile.
            routeIds.UnionWith(Compiled
                .Where(e => (e.ServiceId is { } sid && changedServices.Contains(sid)) || (e.PluginConfigId is { } pid && changedPluginConfigs.Contains(pid)))
                .Select(e => e.Compiled.Id));
        }
        var compiled = Compiled.ToBuilder();
        var routePlugins = RoutePlugins.ToBuilder();
        var services = new Dictionary<string, JsonObject?>(StringComparer.Ordinal); // a changed service's routes share one parse
        var removed = new List<CompiledRoute>();
        var added = new List<CompiledRoute>();
        foreach (var id in routeIds)
        {
            if (compiled.Remove(id, out var old))
            {
                removed.Add(old.Compiled);
                routePlugins.Remove(id);
            }
            if (set.GetJson(ResourceKind.Route, id) is { } json && Compile(set, ResourceSet.Parse(json), json, environment, services) is { } entry)
            {
                Add(compiled, routePlugins, id, entry);
                added.Add(entry.Compiled);
            }
        }
        return new ProxyConfig
        {
            Version = set.Version,
            Source = source,
            AppliedAt = now,
            Routes = Routes.With(removed, added, set.Version),
            BodyReadingRoutes = BodyReadingRoutes - removed.Count(r => r.Vars.ReadsBody) + added.Count(r => r.Vars.ReadsBody),
            Upstreams = upstreams.Build(),
            GlobalPlugins = metadataChanged || touched.Any(t => t.Kind == ResourceKind.GlobalRule) ? BuildGlobalPlugins(set, environment) : GlobalPlugins,
            NoPlugins = PluginChain.None(environment),
            RoutePlugins = routePlugins.Build(),
            Consumers = touched.Any(t => t.Kind is ResourceKind.Consumer or ResourceKind.ConsumerGroup) ? BuildConsumers(set) : Consumers,
            Resources = set,
            Compiled = compiled.Build(),
            Delta = changes,
            PluginMetadataJson = metadataChanged ? MetadataJson(set) : PluginMetadataJson,
        };
    }

    private static CompiledEntry? Compile(ResourceSet set, JsonObject route, string routeJson, PluginEnvironment environment, Dictionary<string, JsonObject?> services)
    {
        var id = ResourceIds.Text(route["id"])!;
        var sid = ResourceIds.Text(route["service_id"]);
        JsonObject? service = null;
        if (sid is not null && !services.TryGetValue(sid, out service))
        {
            service = set.Get(ResourceKind.Service, sid);
            services.Add(sid, service);
        }
        if (CompiledRoute.Compile(route, service) is not { } fresh)
        {
            return null;
        }
        var pid = ResourceIds.Text(route["plugin_config_id"]);
        var pluginConfigJson = pid is null ? null : set.GetJson(ResourceKind.PluginConfig, pid);
        // As APISIX: a route whose plugin config is gone (deleted with force) answers 503, whose service is gone 404.
        var plugins = pid is not null && pluginConfigJson is null ? PluginChain.Unavailable(503, $"failed to fetch plugin config by id [{pid}]")
            : sid is not null && service is null ? PluginChain.Unavailable(404, $"failed to fetch service configuration by id [{sid}]")
            : PluginChain.Build(
                [
                    new(service?["plugins"] as JsonObject, $"services/{sid}"),
                    new(pluginConfigJson is null ? null : ResourceSet.Parse(pluginConfigJson)["plugins"] as JsonObject, $"plugin_configs/{pid}"),
                    new(route["plugins"] as JsonObject, $"routes/{id}"),
                ],
                environment);
        return new CompiledEntry(routeJson, sid, sid is null ? null : set.GetJson(ResourceKind.Service, sid), pid, pluginConfigJson, fresh, plugins);
    }

    private static ConsumerIndex BuildConsumers(ResourceSet set)
    {
        var groups = new Dictionary<string, JsonObject?>(StringComparer.Ordinal); // a group's consumers share one parse
        return ConsumerIndex.Build(set.Of(ResourceKind.Consumer),
            id => groups.TryGetValue(id, out var group) ? group : groups[id] = set.Get(ResourceKind.ConsumerGroup, id), set.Cipher);
    }

    private static void Add(ShardedMap<CompiledEntry>.Builder compiled, ShardedMap<PluginChain>.Builder routePlugins, string id, CompiledEntry entry)
    {
        compiled[id] = entry;
        if (entry.Plugins.Plugins.Count > 0)
        {
            routePlugins[id] = entry.Plugins;
        }
    }

    /// <summary>What the plugins of this version are compiled with: the clock, the keyring, the plugin metadata.</summary>
    private static PluginEnvironment Environment(ResourceSet set, TimeProvider time) =>
        new(time, set.Cipher, set.Of(ResourceKind.PluginMetadata).Where(m => m["id"] is JsonValue)
            .ToDictionary(m => ResourceIds.Text(m["id"])!, m => m, StringComparer.Ordinal));

    /// <summary>The plugin metadata's texts, to tell whether it changed between two versions.</summary>
    private static string MetadataJson(ResourceSet set) => string.Join('\n', set.JsonOf(ResourceKind.PluginMetadata).Order(StringComparer.Ordinal));

    private static List<PluginChain> BuildGlobalPlugins(ResourceSet set, PluginEnvironment environment) =>
        set.Of(ResourceKind.GlobalRule)
            .Select(g => PluginChain.Build([new(g["plugins"] as JsonObject, $"global_rules/{ResourceIds.Text(g["id"])}")], environment))
            .Where(c => c.Plugins.Count > 0)
            .ToList();

    /// <summary>
    /// An upstream kept from the previous version when the text it was parsed from (its own, or its owner's for an
    /// inline one) is unchanged, so its balancer and health state survive. Text, not identity: a full load from another
    /// process (a DP's reconnect, a snapshot) brings equal strings, not the same ones; equal references compare first.
    /// </summary>
    private static UpstreamDefinition? ReuseUpstream(ProxyConfig? previous, string key, string sourceJson, ResourceSet set) =>
        previous?.Upstreams.GetValueOrDefault(key) is { } old && string.Equals(old.SourceJson, sourceJson, StringComparison.Ordinal)
            && string.Equals(old.ClientCertSslJson, old.ClientCertId is null ? null : set.GetJson(ResourceKind.Ssl, old.ClientCertId), StringComparison.Ordinal)
            ? old
            : null;
}
