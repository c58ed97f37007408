using System.Globalization;
using OrleansGateway.Contracts.Snapshots;

namespace OrleansGateway.Snapshots;

/// <summary>
/// Where a group's snapshots live (documented in the README):
/// <code>
/// &lt;resource_bucket&gt;/&lt;group&gt;/resources/v000000000042-&lt;sha256 prefix&gt;.json.gz   the data (immutable)
/// &lt;resource_bucket&gt;/&lt;group&gt;/resources/v000000000042.manifest.json            that version's manifest
/// &lt;resource_bucket&gt;/&lt;group&gt;/resources/latest.json                            the current manifest
/// &lt;config_bucket&gt;/&lt;group&gt;/config/…                                            the same for instance configuration
/// </code>
/// </summary>
public sealed record SnapshotLayout(string ResourceBucket, string ConfigBucket)
{
    /// <summary>Content name of resource snapshots.</summary>
    public const string Resources = "resources";

    /// <summary>Content name of instance-configuration snapshots.</summary>
    public const string Config = "config";

    /// <summary>The folder-store layout used when <c>fallback_cp.aws_s3</c> is absent.</summary>
    public static SnapshotLayout Embedded { get; } = new("resources", "config");

    /// <summary>The bucket of a content kind.</summary>
    public string BucketOf(string content) => content == Resources ? ResourceBucket : ConfigBucket;

    /// <summary>The prefix under which all of a group's objects of one content kind live.</summary>
    public static string Prefix(string group, string content) => $"{group}/{content}/";

    /// <summary>The manifest of one version.</summary>
    public static string VersionManifestKey(string group, string content, long version) =>
        string.Create(CultureInfo.InvariantCulture, $"{group}/{content}/v{version:D12}.manifest.json");

    /// <summary>The version an object key belongs to (data or version manifest), or null for other keys.</summary>
    public static long? VersionOf(string key)
    {
        var name = key[(key.LastIndexOf('/') + 1)..];
        if (name.Length < 13 || name[0] != 'v')
        {
            return null;
        }
        return long.TryParse(name.AsSpan(1, 12), NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : null;
    }

    /// <summary>The current manifest's key.</summary>
    public static string LatestKey(string group, string content) => SnapshotCodec.ManifestKey(group, content);
}
