using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansGateway.Contracts.Security;

/// <summary>
/// Field encryption at rest, as APISIX's <c>data_encryption</c> but authenticated: a group's instance configuration
/// holds <c>data_encryption: {enable_encrypt_fields, keyring: [...]}</c>; the first key encrypts, every key decrypts
/// (so keys can be rotated). A value is stored as <c>$enc:v1:</c> + base64(nonce, ciphertext, tag) with AES-256-GCM
/// under a key derived (HKDF-SHA256) from the keyring entry, so a changed or foreign value fails to open instead of
/// decrypting to garbage.
/// </summary>
public sealed class FieldCipher
{
    /// <summary>What every encrypted value starts with.</summary>
    public const string Prefix = "$enc:v1:";

    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] Info = Encoding.UTF8.GetBytes("orleans-gateway field encryption v1");
    private readonly byte[][] _keys;

    private FieldCipher(IReadOnlyList<string> keyring, bool encrypts)
    {
        _keys = keyring.Select(k => HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(k), 32, salt: [], info: Info)).ToArray();
        Encrypts = encrypts;
    }

    /// <summary><c>enable_encrypt_fields</c>: new values are encrypted (else stored in clear; old ones still open).</summary>
    public bool Encrypts { get; }

    /// <summary>How many keys the keyring holds.</summary>
    public int KeyCount => _keys.Length;

    private FieldCipher(byte[][] keys, bool encrypts)
    {
        _keys = keys;
        Encrypts = encrypts;
    }

    /// <summary>
    /// A cipher that opens what any of <paramref name="ciphers"/> opens (null when there are none), and seals with the
    /// first one's key.
    /// </summary>
    public static FieldCipher? Combined(IReadOnlyList<FieldCipher> ciphers) =>
        ciphers.Count == 0 ? null : new FieldCipher(ciphers.SelectMany(c => c._keys).ToArray(), ciphers[0].Encrypts);

    /// <summary>The cipher of an instance configuration, or null when it has no keyring.</summary>
    public static FieldCipher? FromConfig(string? configJson)
    {
        var (enabled, keyring) = Settings(configJson);
        return keyring.Count == 0 ? null : new FieldCipher(keyring, enabled);
    }

    /// <summary>An instance configuration's <c>enable_encrypt_fields</c> (true unless false) and keyring.</summary>
    public static (bool Enabled, IReadOnlyList<string> Keyring) Settings(string? configJson)
    {
        if (string.IsNullOrEmpty(configJson) || JsonNode.Parse(configJson)?["data_encryption"] is not JsonObject settings)
        {
            return (true, []);
        }
        var enabled = settings["enable_encrypt_fields"] is not JsonValue flag || flag.GetValueKind() != JsonValueKind.False;
        var keyring = settings["keyring"] is JsonArray keys ? keys.Select(k => k!.GetValue<string>()).ToList() : [];
        return (enabled, keyring);
    }

    /// <summary>A new random keyring entry: 32 characters, as APISIX's keyring takes (for AES-256).</summary>
    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');

    /// <summary>True for a value this cipher format wrote.</summary>
    public static bool IsEncrypted(string value) => value.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary><paramref name="plaintext"/> encrypted with the first key.</summary>
    public string Encrypt(string plaintext)
    {
        var data = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[NonceSize + data.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_keys[0], TagSize);
        aes.Encrypt(nonce, data, sealedBytes.AsSpan(NonceSize, data.Length), sealedBytes.AsSpan(NonceSize + data.Length));
        return Prefix + Convert.ToBase64String(sealedBytes);
    }

    /// <summary>Opens an encrypted value with whichever key of the keyring sealed it; false when none does.</summary>
    public bool TryDecrypt(string value, out string plaintext)
    {
        plaintext = "";
        if (!IsEncrypted(value))
        {
            return false;
        }
        byte[] sealedBytes;
        try
        {
            sealedBytes = Convert.FromBase64String(value[Prefix.Length..]);
        }
        catch (FormatException)
        {
            return false;
        }
        if (sealedBytes.Length < NonceSize + TagSize)
        {
            return false;
        }
        var length = sealedBytes.Length - NonceSize - TagSize;
        var data = new byte[length];
        foreach (var key in _keys)
        {
            try
            {
                using var aes = new AesGcm(key, TagSize);
                aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, length), sealedBytes.AsSpan(NonceSize + length), data);
                plaintext = Encoding.UTF8.GetString(data);
                return true;
            }
            catch (AuthenticationTagMismatchException)
            {
                // sealed with another key of the ring (or not by it at all): try the next
            }
        }
        return false;
    }
}
