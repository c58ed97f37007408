using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Plugins;
using OrleansGateway.Contracts.Security;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// What compiling a configuration version gives its plugins: the clock, the keyring that opens their secret fields
/// and the group's <c>plugin_metadata</c>.
/// </summary>
/// <param name="Time">The clock of windows, tokens and delays.</param>
/// <param name="Cipher">The group's keyring (null: none); a secret field that does not open fails the version.</param>
/// <param name="PluginMetadata">Each plugin's metadata by plugin name (null: none).</param>
public sealed record PluginEnvironment(TimeProvider Time, FieldCipher? Cipher = null, IReadOnlyDictionary<string, JsonObject>? PluginMetadata = null)
{
    public static PluginEnvironment System { get; } = new(TimeProvider.System);

    /// <summary>The <c>plugin_metadata</c> of <paramref name="plugin"/>, null when it has none.</summary>
    public JsonObject? Metadata(string plugin) => PluginMetadata?.GetValueOrDefault(plugin);

    /// <summary>
    /// <paramref name="config"/> with its plugin's secret fields (<c>redis_password</c> …) in clear, for the data plane
    /// to use; the stored configuration itself is left as it is.
    /// </summary>
    public JsonObject Open(string plugin, JsonObject config, string owner) =>
        PluginCatalog.All.TryGetValue(plugin, out var definition)
            ? SecretValues.OpenFields(config, definition.EncryptFields, Cipher, $"{owner} plugins.{plugin}")
            : config;
}
