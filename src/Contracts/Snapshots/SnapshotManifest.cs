using System.Text.Json.Serialization;

namespace OrleansGateway.Contracts.Snapshots;

/// <summary>
/// The small <c>latest.json</c> object that names a group's current snapshot object, written after the object itself
/// so that a reader never finds a manifest pointing at something missing or partial.
/// </summary>
public sealed record SnapshotManifest
{
    /// <summary>The snapshot format version; readers refuse formats they do not know.</summary>
    [JsonPropertyName("format")] public int Format { get; init; } = SnapshotCodec.FormatVersion;

    /// <summary>The gateway group.</summary>
    [JsonPropertyName("group")] public string Group { get; init; } = "";

    /// <summary>What the object holds: <c>resources</c> or <c>config</c>.</summary>
    [JsonPropertyName("content")] public string Content { get; init; } = "";

    /// <summary>The group's version (modifiedIndex) the snapshot was taken at.</summary>
    [JsonPropertyName("version")] public long Version { get; init; }

    /// <summary>The object's key, relative to the bucket.</summary>
    [JsonPropertyName("object")] public string Object { get; init; } = "";

    /// <summary>Lower-case hex SHA-256 of the object's bytes as stored.</summary>
    [JsonPropertyName("sha256")] public string Sha256 { get; init; } = "";

    /// <summary>The object's size in bytes as stored.</summary>
    [JsonPropertyName("size")] public long Size { get; init; }

    /// <summary>When the snapshot was taken (UTC, ISO 8601).</summary>
    [JsonPropertyName("created_at")] public DateTimeOffset CreatedAt { get; init; }

    /// <summary><c>aes-256-gcm</c> when the payload is encrypted, otherwise null.</summary>
    [JsonPropertyName("encryption")] public string? Encryption { get; init; }

    /// <summary>Identifies the encryption key (not the key itself): the first 16 hex digits of its SHA-256.</summary>
    [JsonPropertyName("key_id")] public string? KeyId { get; init; }
}
