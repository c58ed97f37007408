using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Plugins;

namespace OrleansGateway.Contracts.Resources;

/// <summary>
/// The fields of a resource that hold secrets, stored encrypted (<see cref="Security.FieldCipher"/>): every plugin's
/// <c>encrypt_fields</c> (a consumer's key-auth key), an ssl's private keys (<c>key</c>, <c>keys</c>) and an upstream's
/// client key (<c>tls.client_key</c>, inline in a route or service too).
/// </summary>
public static class SecretFields
{
    /// <summary>
    /// Replaces each secret string of <paramref name="value"/> (a <paramref name="kind"/>) by <paramref name="map"/>
    /// of its path (<c>plugins.key-auth.key</c>, <c>keys[2]</c>) and text; returns how many there were. With
    /// <paramref name="pluginsOnly"/>, only the plugins' fields (what APISIX's Admin API reads back in clear).
    /// </summary>
    public static int Map(ResourceKind kind, JsonObject value, Func<string, string, string> map, bool pluginsOnly = false)
    {
        var count = 0;
        void At(JsonObject? owner, string field, string path)
        {
            if (owner?[field] is JsonValue v && v.GetValueKind() == JsonValueKind.String)
            {
                owner[field] = map(path, v.GetValue<string>());
                count++;
            }
        }
        if (value["plugins"] is JsonObject plugins)
        {
            foreach (var (name, config) in plugins.ToList())
            {
                if (config is JsonObject conf && PluginCatalog.All.TryGetValue(name, out var plugin))
                {
                    foreach (var field in plugin.EncryptFields ?? [])
                    {
                        At(conf, field, $"plugins.{name}.{field}");
                    }
                }
            }
        }
        switch (pluginsOnly ? default(ResourceKind?) : kind)
        {
            case ResourceKind.Ssl:
                At(value, "key", "key");
                if (value["keys"] is JsonArray keys)
                {
                    for (var i = 0; i < keys.Count; i++)
                    {
                        if (keys[i] is JsonValue k && k.GetValueKind() == JsonValueKind.String)
                        {
                            keys[i] = map($"keys[{i + 1}]", k.GetValue<string>());
                            count++;
                        }
                    }
                }
                break;
            case ResourceKind.Upstream:
                At(value["tls"] as JsonObject, "client_key", "tls.client_key");
                break;
            case ResourceKind.Route or ResourceKind.Service:
                At(value["upstream"]?["tls"] as JsonObject, "client_key", "upstream.tls.client_key");
                break;
        }
        return count;
    }
}
