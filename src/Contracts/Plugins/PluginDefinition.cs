using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.Contracts.Plugins;

/// <summary>A plugin the project knows: its name, execution priority (higher runs first, as in APISIX) and schemas.</summary>
/// <param name="Name">The plugin name used as the key in <c>plugins</c>.</param>
/// <param name="Priority">APISIX's priority for this plugin.</param>
/// <param name="Schema">The schema of its configuration on routes, services and global rules.</param>
/// <param name="ConsumerSchema">
/// For an authentication plugin, the schema of the credential a consumer holds; null for other plugins, which a consumer
/// (or consumer group) configures with <paramref name="Schema"/> and which then apply to its requests.
/// </param>
/// <param name="EncryptFields">Its secret fields (APISIX's <c>encrypt_fields</c>), stored encrypted with the group's keyring.</param>
/// <param name="MetadataSchema">The schema of its <c>plugin_metadata</c>, for a plugin that takes one.</param>
/// <param name="CredentialField">
/// For an authentication plugin, the credential field it finds the consumer by (key-auth's <c>key</c>, basic-auth's
/// <c>username</c>): unique among a group's consumers.
/// </param>
public sealed record PluginDefinition(
    string Name, int Priority, Schema Schema, Schema? ConsumerSchema = null, IReadOnlyList<string>? EncryptFields = null, Schema? MetadataSchema = null,
    string? CredentialField = null)
{
    /// <summary>An authentication plugin: it finds the consumer; its configuration on a consumer is a credential.</summary>
    public bool IsAuth => ConsumerSchema is not null;
}
