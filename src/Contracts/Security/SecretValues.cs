using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Resources;

namespace OrleansGateway.Contracts.Security;

/// <summary>Encrypts and decrypts the <see cref="SecretFields"/> of one resource value in place.</summary>
public static class SecretValues
{
    /// <summary>
    /// Opens every encrypted secret of <paramref name="value"/>; null when all opened (or none was encrypted), else
    /// why not, naming the resource and the field. A secret in clear stays as it is.
    /// </summary>
    public static string? Decrypt(ResourceKind kind, string id, JsonObject value, FieldCipher? cipher)
    {
        string? error = null;
        SecretFields.Map(kind, value, (path, text) =>
        {
            if (!FieldCipher.IsEncrypted(text) || error is not null)
            {
                return text;
            }
            if (cipher is not null && cipher.TryDecrypt(text, out var plain))
            {
                return plain;
            }
            error = cipher is null
                ? $"cannot decrypt {kind.PathName()} \"{id}\" {path}: the gateway group has no keyring"
                : $"cannot decrypt {kind.PathName()} \"{id}\" {path}: no key of the gateway group's keyring ({cipher.KeyCount}) opens it";
            return text;
        });
        return error;
    }

    /// <summary>Encrypts every secret of <paramref name="value"/> held in clear, when <paramref name="cipher"/> encrypts.</summary>
    public static void Encrypt(ResourceKind kind, JsonObject value, FieldCipher? cipher)
    {
        if (cipher is not { Encrypts: true })
        {
            return;
        }
        // A reference to a secret kept elsewhere ($secret://, $env://) is not itself a secret: it stays readable.
        SecretFields.Map(kind, value, (_, text) =>
            FieldCipher.IsEncrypted(text) || Validation.SslCertificates.IsSecretReference(text) ? text : cipher.Encrypt(text));
    }

    /// <summary>
    /// As APISIX's Admin API reads: a resource's plugin secrets (a consumer's key-auth key) opened for a GET, those that
    /// open; private keys stay sealed (an ssl's are never read back at all).
    /// </summary>
    public static string ReadableJson(ResourceKind kind, string json, FieldCipher? cipher)
    {
        if (cipher is null || !json.Contains(FieldCipher.Prefix, StringComparison.Ordinal))
        {
            return json;
        }
        var value = JsonNode.Parse(json)!.AsObject();
        var opened = 0;
        SecretFields.Map(kind, value, (_, text) =>
        {
            if (cipher.TryDecrypt(text, out var plain))
            {
                opened++;
                return plain;
            }
            return text;
        }, pluginsOnly: true);
        return opened == 0 ? json : value.ToJsonString();
    }

    /// <summary>
    /// <paramref name="config"/> (one plugin's configuration) with its <paramref name="fields"/> opened, as a copy; the
    /// same object when none of them is encrypted. <paramref name="where"/> names it in errors (<c>… plugins.jwt-auth</c>).
    /// </summary>
    public static JsonObject OpenFields(JsonObject config, IReadOnlyList<string>? fields, FieldCipher? cipher, string where)
    {
        if (fields is not { Count: > 0 } || !fields.Any(f => config[f] is JsonValue v && v.TryGetValue<string>(out var text) && FieldCipher.IsEncrypted(text)))
        {
            return config;
        }
        var opened = (JsonObject)config.DeepClone();
        foreach (var field in fields)
        {
            if (opened[field] is JsonValue v && v.TryGetValue<string>(out var text))
            {
                opened[field] = Open(text, cipher, $"{where}.{field}");
            }
        }
        return opened;
    }

    /// <summary>The text of a secret for use: opened when encrypted (throws <see cref="FieldDecryptionException"/> when it cannot be).</summary>
    public static string Open(string text, FieldCipher? cipher, string what)
    {
        if (!FieldCipher.IsEncrypted(text))
        {
            return text;
        }
        if (cipher is not null && cipher.TryDecrypt(text, out var plain))
        {
            return plain;
        }
        throw new FieldDecryptionException(cipher is null
            ? $"cannot decrypt {what}: the configuration has no keyring"
            : $"cannot decrypt {what}: no key of the keyring ({cipher.KeyCount}) opens it");
    }
}

/// <summary>An encrypted secret that the keyring at hand cannot open: the configuration is refused, what is served stays.</summary>
public sealed class FieldDecryptionException(string message) : InvalidOperationException(message);
