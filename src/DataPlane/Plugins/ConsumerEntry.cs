using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// One consumer as the proxy needs it: its name, its group, and the plugins it adds to a route's once authenticated
/// (its group's, overlaid by its own; authentication plugins left out). Immutable for one version of the consumers
/// and groups; it keeps the chains merged with it per route so that an authenticated request merges nothing.
/// </summary>
public sealed class ConsumerEntry(string username, string? groupId, IReadOnlyDictionary<string, (JsonObject Config, string Owner)> plugins, bool groupMissing)
{
    private readonly ConcurrentDictionary<string, (PluginChain Route, PluginChain Merged)> _merged = new(StringComparer.Ordinal);

    public string Username { get; } = username;

    /// <summary>Its <c>group_id</c>, if any.</summary>
    public string? GroupId { get; } = groupId;

    /// <summary>The plugins it adds, by name, with their owner (<c>consumers/jack</c> or <c>consumer_groups/gold</c>).</summary>
    public IReadOnlyDictionary<string, (JsonObject Config, string Owner)> Plugins { get; } = plugins;

    /// <summary>It names a consumer group that does not exist (deleted with <c>force</c>): APISIX answers 503.</summary>
    public bool GroupMissing { get; } = groupMissing;

    /// <summary>
    /// <paramref name="route"/>'s chain (of route <paramref name="routeId"/>) with this consumer's plugins merged in,
    /// built on first use and kept while the route's chain is the same object (a route change compiles a new one).
    /// </summary>
    public PluginChain Merge(PluginChain route, string routeId)
    {
        if (Plugins.Count == 0)
        {
            return route;
        }
        if (_merged.TryGetValue(routeId, out var cached) && ReferenceEquals(cached.Route, route))
        {
            return cached.Merged;
        }
        var merged = route.WithConsumer(this);
        _merged[routeId] = (route, merged);
        return merged;
    }
}
