using OrleansGateway.Contracts.Resources;
using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Plugins;
using OrleansGateway.Contracts.Security;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// Consumers by credential, built once per configuration version of the consumers and consumer groups (the CP
/// guarantees credentials are unique): for each authentication plugin, its credentials by the field it finds them by
/// (key-auth's <c>key</c>, basic-auth's <c>username</c>, jwt-auth's <c>key</c>, hmac-auth's <c>key_id</c>), with their
/// secret fields opened. Each consumer carries the plugins it adds to a route's: its group's, overlaid by its own.
/// </summary>
public sealed class ConsumerIndex
{
    private readonly Dictionary<string, Dictionary<string, ConsumerCredential>> _byCredential;
    private readonly Dictionary<string, ConsumerEntry> _byUsername;

    private ConsumerIndex(Dictionary<string, Dictionary<string, ConsumerCredential>> byCredential, Dictionary<string, ConsumerEntry> byUsername)
    {
        _byCredential = byCredential;
        _byUsername = byUsername;
    }

    public static ConsumerIndex Empty { get; } = new(new(StringComparer.Ordinal), new(StringComparer.Ordinal));

    /// <param name="consumers">Every consumer.</param>
    /// <param name="groupOf">A consumer group by id, null when there is none.</param>
    /// <param name="cipher">Opens encrypted fields; one that does not open throws <see cref="FieldDecryptionException"/>.</param>
    public static ConsumerIndex Build(IEnumerable<JsonObject> consumers, Func<string, JsonObject?> groupOf, FieldCipher? cipher = null)
    {
        var byCredential = new Dictionary<string, Dictionary<string, ConsumerCredential>>(StringComparer.Ordinal);
        var byUsername = new Dictionary<string, ConsumerEntry>(StringComparer.Ordinal);
        foreach (var consumer in consumers)
        {
            var username = consumer["username"]!.GetValue<string>();
            var entry = Entry(consumer, groupOf);
            byUsername[username] = entry;
            foreach (var (name, config) in consumer["plugins"] as JsonObject ?? [])
            {
                if (config is not JsonObject credential || !PluginCatalog.All.TryGetValue(name, out var plugin) || plugin.CredentialField is not { } field)
                {
                    continue;
                }
                var opened = SecretValues.OpenFields(credential, plugin.EncryptFields, cipher, $"consumers \"{username}\" plugins.{name}");
                if (opened[field] is JsonValue value && value.TryGetValue<string>(out var text))
                {
                    if (!byCredential.TryGetValue(name, out var credentials))
                    {
                        byCredential[name] = credentials = new Dictionary<string, ConsumerCredential>(StringComparer.Ordinal);
                    }
                    credentials[text] = new ConsumerCredential(entry, opened);
                }
            }
        }
        return new ConsumerIndex(byCredential, byUsername);
    }

    /// <summary>The credential of <paramref name="plugin"/> whose credential field is <paramref name="value"/>.</summary>
    public ConsumerCredential? Find(string plugin, string value) =>
        _byCredential.TryGetValue(plugin, out var credentials) ? credentials.GetValueOrDefault(value) : null;

    /// <summary>The consumer named <paramref name="username"/> (an auth plugin's <c>anonymous_consumer</c>).</summary>
    public ConsumerEntry? ByUsername(string username) => _byUsername.GetValueOrDefault(username);

    private static ConsumerEntry Entry(JsonObject consumer, Func<string, JsonObject?> groupOf)
    {
        var groupId = ResourceIds.Text(consumer["group_id"]);
        var group = groupId is null ? null : groupOf(groupId);
        // As APISIX: the group's plugins, then the consumer's own over them. An authentication plugin's configuration
        // on a consumer is its credential, not something to run again.
        var username = consumer["username"]!.GetValue<string>();
        var plugins = new Dictionary<string, (JsonObject, string)>(StringComparer.Ordinal);
        foreach (var (source, owner) in new[] { (group?["plugins"], $"consumer_groups/{groupId}"), (consumer["plugins"], $"consumers/{username}") })
        {
            foreach (var (name, config) in source as JsonObject ?? [])
            {
                if (config is JsonObject obj && PluginCatalog.All.TryGetValue(name, out var definition) && !definition.IsAuth)
                {
                    plugins[name] = (obj, owner);
                }
            }
        }
        return new ConsumerEntry(username, groupId, plugins, groupMissing: groupId is not null && group is null);
    }
}
