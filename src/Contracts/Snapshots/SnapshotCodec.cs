using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansGateway.Contracts.Snapshots;

/// <summary>
/// The one snapshot format, used by the control plane that writes snapshots and the data plane that reads them.
/// An object is a gzip JSON document <c>{"format","group","content","version","created_at","data"}</c>, optionally
/// encrypted with AES-256-GCM (magic <c>OGE1</c>, 12-byte nonce, 16-byte tag, ciphertext; the group, content and
/// version are authenticated data, so an encrypted object cannot be passed off as another group's). The manifest
/// carries the SHA-256 and size of the object exactly as stored.
/// </summary>
public static class SnapshotCodec
{
    /// <summary>The format this code writes and the only one it reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>The manifest's name for the encryption scheme.</summary>
    public const string Encryption = "aes-256-gcm";

    private static readonly byte[] Magic = "OGE1"u8.ToArray();
    private static readonly JsonSerializerOptions ManifestJson = new() { WriteIndented = false };

    /// <summary>An encoded snapshot: the bytes to store and the manifest that names them.</summary>
    public sealed record Encoded(SnapshotManifest Manifest, byte[] Object);

    /// <summary>A verified, decoded snapshot; <see cref="DataJson"/> is the payload (resources or config).</summary>
    public sealed record Document(string Group, string Content, long Version, DateTimeOffset CreatedAt, string DataJson);

    /// <summary>The key of an object within its bucket, e.g. <c>default/resources/v000000000042-1a2b….json.gz</c>.</summary>
    public static string ObjectKey(string group, string content, long version, string sha256, bool encrypted) =>
        string.Create(CultureInfo.InvariantCulture, $"{group}/{content}/v{version:D12}-{sha256[..16]}.json.gz{(encrypted ? ".enc" : "")}");

    /// <summary>The key of a group's manifest for one content kind.</summary>
    public static string ManifestKey(string group, string content) => $"{group}/{content}/latest.json";

    /// <summary>Encodes <paramref name="dataJson"/> (a JSON value) as the snapshot of <paramref name="group"/> at <paramref name="version"/>.</summary>
    public static Encoded Encode(string group, string content, long version, DateTimeOffset createdAt, string dataJson, SnapshotKey? key) =>
        Encode(group, content, version, createdAt, writer => writer.WriteRawValue(dataJson), key);

    /// <summary>
    /// Encodes the JSON value <paramref name="writeData"/> writes as the snapshot of <paramref name="group"/> at
    /// <paramref name="version"/>. It is written straight into the compressor: a 100,000-route group becomes no string
    /// or buffer of its full JSON (13 MB, 26 MB as a string), only its compressed bytes.
    /// </summary>
    public static Encoded Encode(string group, string content, long version, DateTimeOffset createdAt, Action<Utf8JsonWriter> writeData, SnapshotKey? key)
    {
        // Written with a streaming writer, the data passed through raw: a 100,000-route group is never re-parsed.
        using var json = new MemoryStream();
        using (var gzip = new GZipStream(json, CompressionLevel.Fastest, leaveOpen: true))
        using (var writer = new Utf8JsonWriter(gzip))
        {
            writer.WriteStartObject();
            writer.WriteNumber("format", FormatVersion);
            writer.WriteString("group", group);
            writer.WriteString("content", content);
            writer.WriteNumber("version", version);
            writer.WriteString("created_at", createdAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            writer.WritePropertyName("data");
            writeData(writer);
            writer.WriteEndObject();
        }
        var payload = json.ToArray();
        if (key is not null)
        {
            payload = Encrypt(payload, key, Aad(group, content, version));
        }
        var sha = Convert.ToHexStringLower(SHA256.HashData(payload));
        var manifest = new SnapshotManifest
        {
            Group = group,
            Content = content,
            Version = version,
            Object = ObjectKey(group, content, version, sha, key is not null),
            Sha256 = sha,
            Size = payload.Length,
            CreatedAt = createdAt,
            Encryption = key is null ? null : Encryption,
            KeyId = key?.Id,
        };
        return new Encoded(manifest, payload);
    }

    /// <summary>
    /// Verifies <paramref name="stored"/> against <paramref name="manifest"/> and decodes it; throws
    /// <see cref="SnapshotRejectedException"/> naming what is wrong.
    /// </summary>
    public static Document Decode(SnapshotManifest manifest, byte[] stored, string expectedGroup, string expectedContent, SnapshotKey? key)
    {
        if (manifest.Format != FormatVersion)
        {
            throw new SnapshotRejectedException(SnapshotRejection.UnknownFormat, $"snapshot format {manifest.Format} is not supported (this reader knows format {FormatVersion})");
        }
        if (manifest.Group != expectedGroup || manifest.Content != expectedContent)
        {
            throw new SnapshotRejectedException(SnapshotRejection.Foreign, $"manifest is for {manifest.Group}/{manifest.Content}, expected {expectedGroup}/{expectedContent}");
        }
        if (stored.LongLength != manifest.Size)
        {
            throw new SnapshotRejectedException(SnapshotRejection.SizeMismatch, $"object {manifest.Object} has {stored.LongLength} bytes, the manifest says {manifest.Size} (truncated or replaced)");
        }
        var sha = Convert.ToHexStringLower(SHA256.HashData(stored));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(sha), Encoding.ASCII.GetBytes(manifest.Sha256.ToLowerInvariant())))
        {
            throw new SnapshotRejectedException(SnapshotRejection.HashMismatch, $"object {manifest.Object} has SHA-256 {sha}, the manifest says {manifest.Sha256} (corrupted or tampered)");
        }
        var payload = manifest.Encryption is null ? stored : Decrypt(manifest, stored, key);
        var document = ParseDocument(manifest, payload);
        return document;
    }

    /// <summary>The manifest as JSON bytes.</summary>
    public static byte[] ManifestBytes(SnapshotManifest manifest) => JsonSerializer.SerializeToUtf8Bytes(manifest, ManifestJson);

    /// <summary>Parses a manifest; a broken one is <see cref="SnapshotRejection.Corrupt"/>.</summary>
    public static SnapshotManifest ParseManifest(byte[] bytes)
    {
        try
        {
            var manifest = JsonSerializer.Deserialize<SnapshotManifest>(bytes, ManifestJson);
            if (manifest is null || manifest.Object.Length == 0 || manifest.Sha256.Length != 64)
            {
                throw new SnapshotRejectedException(SnapshotRejection.Corrupt, "manifest lacks object, sha256 or size");
            }
            return manifest;
        }
        catch (JsonException e)
        {
            throw new SnapshotRejectedException(SnapshotRejection.Corrupt, $"manifest is not valid JSON: {e.Message}");
        }
    }

    private static Document ParseDocument(SnapshotManifest manifest, byte[] payload)
    {
        JsonObject json;
        try
        {
            json = JsonNode.Parse(Gunzip(payload))!.AsObject();
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or InvalidOperationException or NullReferenceException)
        {
            throw new SnapshotRejectedException(SnapshotRejection.Corrupt, $"object {manifest.Object} is not a gzip JSON snapshot: {e.Message}");
        }
        var format = json["format"]?.GetValue<int>();
        if (format != FormatVersion)
        {
            throw new SnapshotRejectedException(SnapshotRejection.UnknownFormat, $"object {manifest.Object} has format {format?.ToString(CultureInfo.InvariantCulture) ?? "none"}, expected {FormatVersion}");
        }
        var group = json["group"]?.GetValue<string>();
        var content = json["content"]?.GetValue<string>();
        var version = json["version"]?.GetValue<long>();
        if (group != manifest.Group || content != manifest.Content || version != manifest.Version)
        {
            throw new SnapshotRejectedException(SnapshotRejection.Foreign, $"object {manifest.Object} holds {group}/{content} v{version}, the manifest names {manifest.Group}/{manifest.Content} v{manifest.Version}");
        }
        var createdAt = DateTimeOffset.Parse(json["created_at"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        return new Document(group!, content!, version!.Value, createdAt, json["data"]?.ToJsonString() ?? "null");
    }

    private static byte[] Aad(string group, string content, long version) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{group}\n{content}\n{version}"));

    private static byte[] Encrypt(byte[] plain, SnapshotKey key, byte[] aad)
    {
        var output = new byte[Magic.Length + 12 + 16 + plain.Length];
        Magic.CopyTo(output, 0);
        var nonce = output.AsSpan(Magic.Length, 12);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key.Bytes, 16);
        aes.Encrypt(nonce, plain, output.AsSpan(Magic.Length + 28), output.AsSpan(Magic.Length + 12, 16), aad);
        return output;
    }

    private static byte[] Decrypt(SnapshotManifest manifest, byte[] stored, SnapshotKey? key)
    {
        if (manifest.Encryption != Encryption)
        {
            throw new SnapshotRejectedException(SnapshotRejection.UnknownFormat, $"snapshot encryption \"{manifest.Encryption}\" is not supported");
        }
        if (key is null)
        {
            throw new SnapshotRejectedException(SnapshotRejection.MissingKey, $"snapshot {manifest.Object} is encrypted (key id {manifest.KeyId}) and no fallback_cp.encryption_key is configured");
        }
        if (manifest.KeyId != key.Id)
        {
            throw new SnapshotRejectedException(SnapshotRejection.WrongKey, $"snapshot {manifest.Object} was encrypted with key id {manifest.KeyId}, the configured key has id {key.Id}");
        }
        if (stored.Length < Magic.Length + 28 || !stored.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new SnapshotRejectedException(SnapshotRejection.Corrupt, $"snapshot {manifest.Object} is not an encrypted snapshot object");
        }
        var plain = new byte[stored.Length - Magic.Length - 28];
        try
        {
            using var aes = new AesGcm(key.Bytes, 16);
            aes.Decrypt(stored.AsSpan(Magic.Length, 12), stored.AsSpan(Magic.Length + 28), stored.AsSpan(Magic.Length + 12, 16), plain,
                Aad(manifest.Group, manifest.Content, manifest.Version));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new SnapshotRejectedException(SnapshotRejection.WrongKey, $"snapshot {manifest.Object} failed authenticated decryption (wrong key or tampered)");
        }
        return plain;
    }

    private static byte[] Gunzip(byte[] data)
    {
        using var input = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}
