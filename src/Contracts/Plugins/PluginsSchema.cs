using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.Contracts.Plugins;

/// <summary>The <c>plugins</c> object of a resource: every key must be a known plugin whose configuration is valid.</summary>
public sealed class PluginsSchema(bool onConsumer) : Schema
{
    /// <summary>For routes, services and global rules.</summary>
    public static PluginsSchema ForRoutes { get; } = new(onConsumer: false);

    /// <summary>For consumers (authentication plugins take credentials there).</summary>
    public static PluginsSchema ForConsumers { get; } = new(onConsumer: true);

    /// <inheritdoc />
    public override string? Check(JsonNode? node)
    {
        if (node is not JsonObject plugins)
        {
            return WrongType("object", node);
        }
        foreach (var (name, config) in plugins)
        {
            if (!PluginCatalog.All.TryGetValue(name, out var plugin))
            {
                return $"unknown plugin [{name}]: known plugins are {string.Join(", ", PluginCatalog.All.Keys.Order(StringComparer.Ordinal))}";
            }
            var schema = onConsumer ? plugin.ConsumerSchema : plugin.Schema;
            if (schema is null)
            {
                return $"plugin [{name}] cannot be configured on a consumer";
            }
            if (schema.Check(config) is { } error)
            {
                return $"failed to check the configuration of plugin {name} err: {error}";
            }
        }
        return null;
    }
}
