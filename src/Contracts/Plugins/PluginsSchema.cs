using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.Contracts.Plugins;

/// <summary>
/// The <c>plugins</c> object of a resource. As APISIX, its schema only asks for an object; each plugin is checked
/// after the resource's schema held (<see cref="CheckPlugins"/>), and its errors are not prefixed as a property's.
/// </summary>
public sealed class PluginsSchema(bool onConsumer) : Schema
{
    /// <summary>For routes, services, global rules, plugin configs and consumer groups.</summary>
    public static PluginsSchema ForRoutes { get; } = new(onConsumer: false);

    /// <summary>For consumers: authentication plugins take credentials there, others their usual configuration.</summary>
    public static PluginsSchema ForConsumers { get; } = new(onConsumer: true);

    /// <inheritdoc />
    public override string? Check(JsonNode? node) => node is JsonObject ? null : WrongType("object", node);

    /// <summary>
    /// Every key must be a known plugin whose configuration is valid, with APISIX's texts; a plugin switched off with
    /// <c>_meta.disable</c> is accepted even when its configuration is not (as APISIX: it never runs).
    /// </summary>
    public string? CheckPlugins(JsonObject plugins)
    {
        foreach (var (name, config) in plugins)
        {
            if (config is not JsonObject)
            {
                return $"invalid plugin conf {config?.ToJsonString() ?? "null"} for plugin [{name}]";
            }
            if (!PluginCatalog.All.TryGetValue(name, out var plugin))
            {
                return AdminErrors.Described($"unknown plugin [{name}]",
                    $"known plugins are {string.Join(", ", PluginCatalog.All.Keys.Order(StringComparer.Ordinal))}");
            }
            var schema = onConsumer ? plugin.ConsumerSchema ?? plugin.Schema : plugin.Schema;
            if (schema.Check(config) is { } error && !IsTrue(config["_meta"]?["disable"]))
            {
                return $"failed to check the configuration of plugin {name} err: {error}";
            }
        }
        return null;
    }

    private static bool IsTrue(JsonNode? node) => node is JsonValue v && v.TryGetValue<bool>(out var b) && b;
}
