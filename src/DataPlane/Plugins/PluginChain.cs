using System.Text.Json.Nodes;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// The plugins of a route, compiled for one configuration version: its layers merged as APISIX merges them (the
/// service's, overlaid by the plugin config's, overlaid by the route's own; same name: the later layer wins),
/// <c>_meta.disable</c> ones left out, each phase in APISIX priority order. Once a consumer is authenticated,
/// <see cref="ConsumerEntry.Merge"/> gives the chain with the consumer's plugins over these.
/// </summary>
public sealed class PluginChain
{
    private readonly ProxyPlugin[] _rewrite;
    private readonly ProxyPlugin[] _access;
    private readonly ProxyPlugin[] _log;
    private readonly ProxyPlugin[] _consumerRewrite;
    private readonly IReadOnlyDictionary<string, (JsonObject Config, string Owner)> _configs;
    private readonly PluginEnvironment _environment;
    private readonly HashSet<string> _names;

    private PluginChain(ProxyPlugin[] plugins, IReadOnlyDictionary<string, (JsonObject Config, string Owner)> configs, PluginEnvironment environment, ProxyPlugin[]? consumerRewrite = null)
    {
        Plugins = plugins;
        _rewrite = plugins.Where(p => p.Phase == PluginPhase.Rewrite).ToArray();
        _access = plugins.Where(p => p.Phase == PluginPhase.Access).ToArray();
        _log = plugins.Where(p => p.HasLogPhase).ToArray();
        NeedsResponseBytes = plugins.Any(p => p.NeedsResponseBytes);
        _names = plugins.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        _consumerRewrite = consumerRewrite ?? [];
        _configs = configs;
        _environment = environment;
        ResponseRewrites = plugins.OfType<ResponseRewritePlugin>().ToArray();
    }

    public static PluginChain Empty { get; } = None(PluginEnvironment.System);

    /// <summary>
    /// A chain without plugins that compiles a consumer's plugins (merged in once one is authenticated on a route
    /// without plugins) with <paramref name="environment"/>: its keyring opens their secrets, its metadata reaches them.
    /// </summary>
    public static PluginChain None(PluginEnvironment environment) => new([], new Dictionary<string, (JsonObject, string)>(), environment);

    /// <summary>Every plugin that runs, by priority (higher first).</summary>
    public IReadOnlyList<ProxyPlugin> Plugins { get; }

    /// <summary>Whether a plugin of the chain reads the response's size (the proxy then counts its bytes).</summary>
    public bool NeedsResponseBytes { get; }

    /// <summary>Whether <paramref name="name"/> is one of its plugins (configured and not disabled).</summary>
    public bool Contains(string name) => _names.Contains(name);

    /// <summary>The response-rewrite plugins, found once per version, not per response.</summary>
    public IReadOnlyList<ResponseRewritePlugin> ResponseRewrites { get; }

    /// <summary>
    /// The chain of <paramref name="layers"/> (later ones winning on the same name), or <see cref="Empty"/>. Each
    /// plugin keeps its counters under its layer's owner and a digest of its configuration, as APISIX's
    /// <c>resource_key:conf_version</c>: a change to the plugin's configuration starts them afresh, a change
    /// elsewhere in the resource keeps them.
    /// </summary>
    public static PluginChain Build(IEnumerable<PluginLayer> layers, PluginEnvironment environment)
    {
        var merged = new Dictionary<string, (JsonObject Config, string Owner)>(StringComparer.Ordinal);
        foreach (var layer in layers)
        {
            foreach (var (name, config) in layer.Plugins ?? [])
            {
                if (config is JsonObject obj)
                {
                    merged[name] = (obj, layer.Owner);
                }
            }
        }
        if (merged.Count == 0)
        {
            return Empty;
        }
        var plugins = merged.Select(p => Create(p.Key, p.Value.Config, p.Value.Owner, environment)).OfType<ProxyPlugin>().ToArray();
        return new PluginChain(Ordered(plugins), merged, environment);
    }

    /// <summary>A chain that answers every request with <paramref name="status"/>, for a route that refers to what is gone.</summary>
    public static PluginChain Unavailable(int status, string reason) =>
        new([new UnavailablePlugin(status, reason)], new Dictionary<string, (JsonObject, string)>(), PluginEnvironment.System);

    /// <summary>
    /// This chain with <paramref name="consumer"/>'s plugins over it, as APISIX's consumer merge: the consumer's
    /// configuration replaces the route's for the same plugin (its counters kept under the consumer, or its group,
    /// for every route it calls); plugins the route did not have run their rewrite work after authentication
    /// (<see cref="OnConsumerRewriteAsync"/>).
    /// </summary>
    internal PluginChain WithConsumer(ConsumerEntry consumer)
    {
        var configs = new Dictionary<string, (JsonObject Config, string Owner)>(_configs, StringComparer.Ordinal);
        var plugins = Plugins.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var added = new List<ProxyPlugin>();
        foreach (var (name, (config, owner)) in consumer.Plugins)
        {
            var fromConsumer = !configs.ContainsKey(name);
            configs[name] = (config, owner);
            plugins.Remove(name);
            if (Create(name, config, owner, _environment) is { } plugin)
            {
                plugins[name] = plugin;
                if (fromConsumer && plugin.Phase == PluginPhase.Rewrite)
                {
                    added.Add(plugin);
                }
            }
        }
        return new PluginChain(Ordered(plugins.Values), configs, _environment, Ordered(added));
    }

    private static ProxyPlugin[] Ordered(IEnumerable<ProxyPlugin> plugins) => plugins.OrderByDescending(p => p.Priority).ToArray();

    private static ProxyPlugin? Create(string name, JsonObject stored, string owner, PluginEnvironment environment)
    {
        if (stored["_meta"]?["disable"]?.GetValue<bool>() == true)
        {
            return null;
        }
        var scope = PluginScope.Of(owner, stored);
        var config = environment.Open(name, stored, owner);
        var time = environment.Time;
        ProxyPlugin? plugin = name switch
        {
            "cors" => new CorsPlugin(config),
            "ip-restriction" => new IpRestrictionPlugin(config),
            "key-auth" => new KeyAuthPlugin(config),
            "basic-auth" => new BasicAuthPlugin(config),
            "jwt-auth" => new JwtAuthPlugin(config, time),
            "hmac-auth" => new HmacAuthPlugin(config, time),
            "consumer-restriction" => new ConsumerRestrictionPlugin(config),
            "proxy-rewrite" => new ProxyRewritePlugin(config),
            "limit-count" => new Limits.LimitCountPlugin(config, scope, environment),
            "limit-req" => new Limits.LimitReqPlugin(config, scope, environment),
            "limit-conn" => new Limits.LimitConnPlugin(config, scope, environment),
            "api-breaker" => new Limits.ApiBreakerPlugin(config, environment),
            "real-ip" => new Requests.RealIpPlugin(config),
            "client-control" => new Requests.ClientControlPlugin(config),
            "request-id" => new Requests.RequestIdPlugin(config, time),
            "fault-injection" => new Requests.FaultInjectionPlugin(config, time),
            "mocking" => new Requests.MockingPlugin(config, time),
            "ua-restriction" => new Requests.UaRestrictionPlugin(config),
            "referer-restriction" => new Requests.RefererRestrictionPlugin(config),
            "uri-blocker" => new Requests.UriBlockerPlugin(config),
            "redirect" => new Requests.RedirectPlugin(config),
            "traffic-split" => new Release.TrafficSplitPlugin(config, owner, environment),
            "proxy-mirror" => new Release.ProxyMirrorPlugin(config),
            "gzip" => new Requests.GzipPlugin(config),
            "request-validation" => new Requests.RequestValidationPlugin(config),
            "prometheus" => new Observability.PrometheusPlugin(config, owner),
            "http-logger" => new Observability.HttpLoggerPlugin(config, scope, environment),
            "response-rewrite" => new ResponseRewritePlugin(config),
            _ => null, // the control plane refuses unknown plugins; an older data plane skips a newer one
        };
        if (plugin is not null && stored["_meta"] is JsonObject meta)
        {
            plugin.ApplyMeta(meta);
        }
        return plugin;
    }

    /// <summary>Runs the rewrite phase; false when a plugin answered the request.</summary>
    public ValueTask<bool> OnRewriteAsync(PluginContext context) => RunAsync(_rewrite, context);

    /// <summary>
    /// In a chain merged with a consumer: the rewrite phase of the plugins the consumer brought that the route did not
    /// have (APISIX's <c>rewrite_in_consumer</c>); false when one answered.
    /// </summary>
    public ValueTask<bool> OnConsumerRewriteAsync(PluginContext context) => RunAsync(_consumerRewrite, context);

    /// <summary>Runs the access phase; false when a plugin answered the request.</summary>
    public ValueTask<bool> OnAccessAsync(PluginContext context) => RunAsync(_access, context);

    private static async ValueTask<bool> RunAsync(ProxyPlugin[] plugins, PluginContext context)
    {
        foreach (var plugin in plugins)
        {
            if (plugin.AppliesTo(context) && !await plugin.OnRequestAsync(context))
            {
                return false;
            }
        }
        return true;
    }

    public void OnResponse(PluginContext context)
    {
        foreach (var plugin in Plugins)
        {
            if (plugin.AppliesTo(context))
            {
                plugin.OnResponse(context);
            }
        }
    }

    /// <summary>The log phase, once the response is complete (or the request failed): plugins that count or report.</summary>
    public void OnLog(PluginContext context)
    {
        foreach (var plugin in _log)
        {
            if (plugin.AppliesTo(context))
            {
                plugin.OnLog(context);
            }
        }
    }
}
