using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Security;

namespace OrleansGateway.Grains.History;

/// <summary>
/// Turns stored values into what a diff compares: without <c>create_time</c>/<c>update_time</c>, and with every secret
/// (a plugin's <c>encrypt_fields</c>, an ssl's private keys, the instance configuration's keyring) replaced by a token
/// that is equal for equal clear texts (an HMAC under a key that lives as long as this object) — so a secret sealed
/// again with a new nonce or keyring is not a change, a changed one is, and no text of it, nor a hash that could be
/// guessed against, reaches the answer (<see cref="Masked"/> shows every token as <see cref="Mask"/>).
/// </summary>
internal sealed class ComparableValues(IReadOnlyList<FieldCipher?> ciphers)
{
    /// <summary>How a secret reads in a diff.</summary>
    public const string Mask = "******";

    private const string Marker = "\u0001secret:";
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    /// <summary>A resource's stored JSON, ready to compare.</summary>
    public JsonObject Resource(ResourceKind kind, string json)
    {
        var value = JsonNode.Parse(json)!.AsObject();
        value.Remove("create_time");
        value.Remove("update_time");
        SecretFields.Map(kind, value, (_, text) => Token(text));
        return value;
    }

    /// <summary>An instance configuration, ready to compare: its keyring's entries are secrets.</summary>
    public JsonObject Config(string json)
    {
        var value = JsonNode.Parse(json) as JsonObject ?? [];
        foreach (var holder in new[] { value["data_encryption"] as JsonObject, value })
        {
            if (holder?["keyring"] is JsonArray keyring)
            {
                for (var i = 0; i < keyring.Count; i++)
                {
                    keyring[i] = Token(keyring[i]?.ToString() ?? "");
                }
            }
        }
        return value;
    }

    /// <summary>A copy of <paramref name="node"/> with every secret token shown as <see cref="Mask"/>.</summary>
    public static JsonNode? Masked(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Masked(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Masked).ToArray()),
        JsonValue v when v.TryGetValue<string>(out var s) && s.StartsWith(Marker, StringComparison.Ordinal) => JsonValue.Create(Mask),
        _ => node.DeepClone(),
    };

    private string Token(string text)
    {
        var clear = text;
        if (FieldCipher.IsEncrypted(text))
        {
            foreach (var cipher in ciphers)
            {
                if (cipher is not null && cipher.TryDecrypt(text, out var opened))
                {
                    clear = opened;
                    break;
                }
            }
        }
        return Marker + Convert.ToHexString(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(clear)), 0, 12);
    }
}
