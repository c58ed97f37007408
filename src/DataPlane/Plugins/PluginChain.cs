using System.Text.Json.Nodes;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// The plugins of a route, compiled for one configuration version: the service's plugins overlaid by the route's
/// (same name: the route wins), <c>_meta.disable</c> ones left out, in APISIX priority order.
/// </summary>
public sealed class PluginChain
{
    private PluginChain(ProxyPlugin[] plugins)
    {
        Plugins = plugins;
        ResponseRewrites = plugins.OfType<ResponseRewritePlugin>().ToArray();
    }

    public static PluginChain Empty { get; } = new([]);

    public IReadOnlyList<ProxyPlugin> Plugins { get; }

    /// <summary>The response-rewrite plugins, found once per version, not per response.</summary>
    public IReadOnlyList<ResponseRewritePlugin> ResponseRewrites { get; }

    public static PluginChain Build(JsonObject? servicePlugins, JsonObject? routePlugins, string scope, TimeProvider time)
    {
        var merged = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var source in new[] { servicePlugins, routePlugins })
        {
            foreach (var (name, config) in source ?? [])
            {
                if (config is JsonObject obj)
                {
                    merged[name] = obj;
                }
            }
        }
        if (merged.Count == 0)
        {
            return Empty;
        }
        var plugins = merged
            .Where(p => p.Value["_meta"]?["disable"]?.GetValue<bool>() != true)
            .Select(p => Create(p.Key, p.Value, scope, time))
            .OfType<ProxyPlugin>()
            .OrderByDescending(p => p.Priority)
            .ToArray();
        return new PluginChain(plugins);
    }

    private static ProxyPlugin? Create(string name, JsonObject config, string scope, TimeProvider time) => name switch
    {
        "cors" => new CorsPlugin(config),
        "ip-restriction" => new IpRestrictionPlugin(config),
        "key-auth" => new KeyAuthPlugin(config),
        "proxy-rewrite" => new ProxyRewritePlugin(config),
        "limit-count" => new LimitCountPlugin(config, scope, time),
        "response-rewrite" => new ResponseRewritePlugin(config),
        _ => null, // the control plane refuses unknown plugins; an older data plane skips a newer one
    };

    /// <summary>Runs the request phase; false when a plugin answered the request.</summary>
    public async ValueTask<bool> OnRequestAsync(PluginContext context)
    {
        foreach (var plugin in Plugins)
        {
            if (!await plugin.OnRequestAsync(context))
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
            plugin.OnResponse(context);
        }
    }
}
