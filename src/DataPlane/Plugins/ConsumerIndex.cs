using System.Text.Json.Nodes;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>Consumers by credential, built once per configuration version (the CP guarantees keys are unique).</summary>
public sealed class ConsumerIndex
{
    private readonly Dictionary<string, string> _byKeyAuthKey;

    private ConsumerIndex(Dictionary<string, string> byKeyAuthKey) => _byKeyAuthKey = byKeyAuthKey;

    public static ConsumerIndex Empty { get; } = new(new Dictionary<string, string>(StringComparer.Ordinal));

    public static ConsumerIndex Build(IEnumerable<JsonObject> consumers)
    {
        var byKey = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var consumer in consumers)
        {
            if (consumer["plugins"]?["key-auth"]?["key"] is JsonValue key)
            {
                byKey[key.GetValue<string>()] = consumer["username"]!.GetValue<string>();
            }
        }
        return new ConsumerIndex(byKey);
    }

    /// <summary>The consumer whose key-auth key is <paramref name="key"/>.</summary>
    public string? ByKeyAuthKey(string key) => _byKeyAuthKey.GetValueOrDefault(key);
}
