using System.Text.Json.Nodes;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// The <c>plugins</c> of one resource and who owns them (<c>routes/1</c>, <c>services/s</c>, <c>plugin_configs/p</c>,
/// <c>global_rules/g</c>, <c>consumers/jack</c>, <c>consumer_groups/gold</c>): as APISIX's <c>resource_key</c>, the
/// owner scopes the counters of stateful plugins, so a limit on a service or a consumer is shared by every route that
/// inherits it, and a limit on a route is its own.
/// </summary>
public readonly record struct PluginLayer(JsonObject? Plugins, string Owner);
