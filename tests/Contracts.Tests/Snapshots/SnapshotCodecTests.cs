using System.Security.Cryptography;
using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Snapshots;

namespace OrleansGateway.Contracts.Tests.Snapshots;

public class SnapshotCodecTests
{
    private const string Data = """{"routes":[{"id":"1","uri":"/ip","upstream_id":"1"}],"upstreams":[{"id":"1","nodes":{"127.0.0.1:1980":1}}]}""";
    private static readonly DateTimeOffset At = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static SnapshotKey NewKey() => SnapshotKey.TryParse(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), out _)!;

    private static SnapshotRejection Rejection(Action decode) => Assert.Throws<SnapshotRejectedException>(decode).Reason;

    [Fact]
    public void Round_trip_returns_the_data_and_the_manifest_names_the_object()
    {
        var encoded = SnapshotCodec.Encode("default", "resources", 42, At, Data, key: null);
        Assert.Matches("^default/resources/v000000000042-[0-9a-f]{16}\\.json\\.gz$", encoded.Manifest.Object);
        Assert.Equal(encoded.Object.Length, encoded.Manifest.Size);
        Assert.Equal(0x1f, encoded.Object[0]); // gzip

        var manifest = SnapshotCodec.ParseManifest(SnapshotCodec.ManifestBytes(encoded.Manifest));
        var document = SnapshotCodec.Decode(manifest, encoded.Object, "default", "resources", key: null);
        Assert.Equal(42, document.Version);
        Assert.Equal(At, document.CreatedAt);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Data), JsonNode.Parse(document.DataJson)));
    }

    [Fact]
    public void A_flipped_byte_is_refused_by_the_hash()
    {
        var encoded = SnapshotCodec.Encode("default", "resources", 1, At, Data, null);
        encoded.Object[^5] ^= 0x40;
        Assert.Equal(SnapshotRejection.HashMismatch, Rejection(() => SnapshotCodec.Decode(encoded.Manifest, encoded.Object, "default", "resources", null)));
    }

    [Fact]
    public void A_truncated_object_is_refused_by_its_size()
    {
        var encoded = SnapshotCodec.Encode("default", "resources", 1, At, Data, null);
        Assert.Equal(SnapshotRejection.SizeMismatch, Rejection(() => SnapshotCodec.Decode(encoded.Manifest, encoded.Object[..^3], "default", "resources", null)));
    }

    [Fact]
    public void Another_groups_snapshot_is_refused()
    {
        var encoded = SnapshotCodec.Encode("team-b", "resources", 1, At, Data, null);
        Assert.Equal(SnapshotRejection.Foreign, Rejection(() => SnapshotCodec.Decode(encoded.Manifest, encoded.Object, "default", "resources", null)));
        // A manifest edited to claim the group, with a consistent hash, is still caught by the document inside.
        var forged = encoded.Manifest with { Group = "default" };
        Assert.Equal(SnapshotRejection.Foreign, Rejection(() => SnapshotCodec.Decode(forged, encoded.Object, "default", "resources", null)));
    }

    [Fact]
    public void An_unknown_format_is_refused()
    {
        var encoded = SnapshotCodec.Encode("default", "resources", 1, At, Data, null);
        Assert.Equal(SnapshotRejection.UnknownFormat, Rejection(() => SnapshotCodec.Decode(encoded.Manifest with { Format = 2 }, encoded.Object, "default", "resources", null)));
    }

    [Fact]
    public void Bytes_that_are_not_gzip_json_are_refused_as_corrupt()
    {
        var garbage = RandomNumberGenerator.GetBytes(100);
        var manifest = new SnapshotManifest
        {
            Group = "default", Content = "resources", Version = 1, Object = "x", Size = garbage.Length,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(garbage)),
        };
        Assert.Equal(SnapshotRejection.Corrupt, Rejection(() => SnapshotCodec.Decode(manifest, garbage, "default", "resources", null)));
        Assert.Equal(SnapshotRejection.Corrupt, Rejection(() => SnapshotCodec.ParseManifest("{not json"u8.ToArray())));
    }

    [Fact]
    public void Encrypted_snapshots_need_the_same_key()
    {
        var key = NewKey();
        var encoded = SnapshotCodec.Encode("default", "config", 7, At, """{"keyring":{}}""", key);
        Assert.Equal("aes-256-gcm", encoded.Manifest.Encryption);
        Assert.Equal(key.Id, encoded.Manifest.KeyId);
        Assert.EndsWith(".json.gz.enc", encoded.Manifest.Object);
        Assert.Equal("OGE1"u8.ToArray(), encoded.Object[..4]); // not plain gzip

        Assert.Equal("""{"keyring":{}}""", SnapshotCodec.Decode(encoded.Manifest, encoded.Object, "default", "config", key).DataJson);
        Assert.Equal(SnapshotRejection.MissingKey, Rejection(() => SnapshotCodec.Decode(encoded.Manifest, encoded.Object, "default", "config", null)));
        Assert.Equal(SnapshotRejection.WrongKey, Rejection(() => SnapshotCodec.Decode(encoded.Manifest, encoded.Object, "default", "config", NewKey())));
        // The right key id but a manifest moved to another version: authenticated data no longer matches.
        Assert.Equal(SnapshotRejection.WrongKey, Rejection(() => SnapshotCodec.Decode(encoded.Manifest with { Version = 8 }, encoded.Object, "default", "config", key)));
    }

    [Theory]
    [InlineData("not base64!", "expected base64")]
    [InlineData("AAAA", "expected 32 bytes")]
    public void Bad_keys_are_refused_with_the_reason(string text, string expected)
    {
        Assert.Null(SnapshotKey.TryParse(text, out var error));
        Assert.Contains(expected, error);
    }
}
