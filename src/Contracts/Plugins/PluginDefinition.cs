using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.Contracts.Plugins;

/// <summary>A plugin the project knows: its name, execution priority (higher runs first, as in APISIX) and schemas.</summary>
/// <param name="Name">The plugin name used as the key in <c>plugins</c>.</param>
/// <param name="Priority">APISIX's priority for this plugin.</param>
/// <param name="Schema">The schema of its configuration on routes, services and global rules.</param>
/// <param name="ConsumerSchema">The schema of its configuration on consumers, when it can be set there.</param>
public sealed record PluginDefinition(string Name, int Priority, Schema Schema, Schema? ConsumerSchema = null);
