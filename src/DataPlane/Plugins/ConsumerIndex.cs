using OrleansGateway.Contracts.Resources;
using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Plugins;
using OrleansGateway.Contracts.Security;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// Consumers by credential, built once per configuration version of the consumers and consumer groups (the CP
/// guarantees keys are unique). Each consumer carries the plugins it adds to a route's: its group's, overlaid by its own.
/// </summary>
public sealed class ConsumerIndex
{
    private readonly Dictionary<string, ConsumerEntry> _byKeyAuthKey;

    private ConsumerIndex(Dictionary<string, ConsumerEntry> byKeyAuthKey) => _byKeyAuthKey = byKeyAuthKey;

    public static ConsumerIndex Empty { get; } = new(new Dictionary<string, ConsumerEntry>(StringComparer.Ordinal));

    /// <param name="consumers">Every consumer.</param>
    /// <param name="groupOf">A consumer group by id, null when there is none.</param>
    /// <param name="cipher">Opens encrypted keys; a key that does not open throws <see cref="FieldDecryptionException"/>.</param>
    public static ConsumerIndex Build(IEnumerable<JsonObject> consumers, Func<string, JsonObject?> groupOf, FieldCipher? cipher = null)
    {
        var byKey = new Dictionary<string, ConsumerEntry>(StringComparer.Ordinal);
        foreach (var consumer in consumers)
        {
            if (consumer["plugins"]?["key-auth"]?["key"] is JsonValue key)
            {
                var username = consumer["username"]!.GetValue<string>();
                byKey[SecretValues.Open(key.GetValue<string>(), cipher, $"consumers \"{username}\" plugins.key-auth.key")] = Entry(consumer, groupOf);
            }
        }
        return new ConsumerIndex(byKey);
    }

    /// <summary>The consumer whose key-auth key is <paramref name="key"/>.</summary>
    public ConsumerEntry? ByKeyAuthKey(string key) => _byKeyAuthKey.GetValueOrDefault(key);

    private static ConsumerEntry Entry(JsonObject consumer, Func<string, JsonObject?> groupOf)
    {
        var groupId = ResourceIds.Text(consumer["group_id"]);
        var group = groupId is null ? null : groupOf(groupId);
        // As APISIX: the group's plugins, then the consumer's own over them. An authentication plugin's configuration
        // on a consumer is its credential, not something to run again.
        var plugins = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var source in new[] { group?["plugins"], consumer["plugins"] })
        {
            foreach (var (name, config) in source as JsonObject ?? [])
            {
                if (config is JsonObject obj && PluginCatalog.All.TryGetValue(name, out var definition) && !definition.IsAuth)
                {
                    plugins[name] = obj;
                }
            }
        }
        return new ConsumerEntry(consumer["username"]!.GetValue<string>(), groupId, plugins, groupMissing: groupId is not null && group is null);
    }
}
