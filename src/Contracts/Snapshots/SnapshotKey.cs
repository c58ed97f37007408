using System.Security.Cryptography;

namespace OrleansGateway.Contracts.Snapshots;

/// <summary>A 32-byte AES-256-GCM key for snapshot payloads (<c>fallback_cp.encryption_key</c>, base64).</summary>
public sealed class SnapshotKey
{
    private SnapshotKey(byte[] key)
    {
        Bytes = key;
        Id = Convert.ToHexStringLower(SHA256.HashData(key))[..16];
    }

    /// <summary>The key material.</summary>
    internal byte[] Bytes { get; }

    /// <summary>A public identifier of the key, written in manifests.</summary>
    public string Id { get; }

    /// <summary>Parses a base64 key; null with a reason when it is not 32 bytes of base64.</summary>
    public static SnapshotKey? TryParse(string base64, out string? error)
    {
        var buffer = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64.Trim(), buffer, out var length))
        {
            error = "expected base64";
            return null;
        }
        if (length != 32)
        {
            error = $"expected 32 bytes (256 bits) of base64, got {length} bytes";
            return null;
        }
        error = null;
        return new SnapshotKey(buffer[..32]);
    }
}
