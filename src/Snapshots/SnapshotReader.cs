using OrleansGateway.Contracts.Snapshots;
using OrleansGateway.Snapshots.Stores;

namespace OrleansGateway.Snapshots;

/// <summary>
/// A data plane's view of one group's snapshots of one content kind: polls the <c>latest</c> manifest with a
/// conditional GET, and fetches, verifies and decodes the object only when the manifest names a newer version.
/// </summary>
public sealed class SnapshotReader(ISnapshotStore store, SnapshotLayout layout, string group, string content, SnapshotKey? key)
{
    private string? _etag;

    /// <summary>What one poll found.</summary>
    public sealed record PollResult(PollOutcome Outcome, SnapshotCodec.Document? Document, SnapshotManifest? Manifest);

    /// <summary>
    /// Polls once. Returns <see cref="PollOutcome.Newer"/> with the verified document when the store holds a version
    /// above <paramref name="currentVersion"/>. Throws <see cref="SnapshotRejectedException"/> when the snapshot fails
    /// verification and <see cref="SnapshotStoreException"/> when the store cannot be read.
    /// </summary>
    public async Task<PollResult> PollAsync(long currentVersion, CancellationToken cancellationToken)
    {
        var bucket = layout.BucketOf(content);
        var latest = await store.GetAsync(bucket, SnapshotLayout.LatestKey(group, content), _etag, cancellationToken);
        if (latest is null)
        {
            return new PollResult(PollOutcome.Missing, null, null);
        }
        if (latest.NotModified)
        {
            return new PollResult(PollOutcome.Unchanged, null, null);
        }
        var manifest = SnapshotCodec.ParseManifest(latest.Data);
        if (manifest.Version <= currentVersion)
        {
            _etag = latest.ETag;
            return new PollResult(PollOutcome.NotNewer, null, manifest);
        }
        var data = await store.GetAsync(bucket, manifest.Object, null, cancellationToken)
            ?? throw new SnapshotRejectedException(SnapshotRejection.SizeMismatch, $"object {manifest.Object} named by the manifest is missing");
        var document = SnapshotCodec.Decode(manifest, data.Data, group, content, key);
        _etag = latest.ETag; // remember only after the snapshot verified: a refused one is retried next poll
        return new PollResult(PollOutcome.Newer, document, manifest);
    }

    /// <summary>
    /// Polls the manifest afresh next time: what was read could not be used (its secrets did not open, or its instance
    /// configuration was missing), and it may be once what it needs appears.
    /// </summary>
    public void Forget() => _etag = null;

    /// <summary>The group's <paramref name="otherContent"/> (its instance configuration) of one version, verified; null when not retained.</summary>
    public Task<SnapshotCodec.Document?> ReadVersionAsync(string otherContent, long version, CancellationToken cancellationToken) =>
        ReadVersionAsync(store, layout, group, otherContent, version, key, cancellationToken);

    /// <summary>One content of one version of a group's snapshots, verified; null when that version is not retained.</summary>
    public static async Task<SnapshotCodec.Document?> ReadVersionAsync(
        ISnapshotStore store, SnapshotLayout layout, string group, string content, long version, SnapshotKey? key, CancellationToken cancellationToken)
    {
        var bucket = layout.BucketOf(content);
        var manifestObject = await store.GetAsync(bucket, SnapshotLayout.VersionManifestKey(group, content, version), null, cancellationToken);
        if (manifestObject is null)
        {
            return null;
        }
        var manifest = SnapshotCodec.ParseManifest(manifestObject.Data);
        var data = await store.GetAsync(bucket, manifest.Object, null, cancellationToken)
            ?? throw new SnapshotRejectedException(SnapshotRejection.SizeMismatch, $"object {manifest.Object} named by the manifest of version {version} is missing");
        return SnapshotCodec.Decode(manifest, data.Data, group, content, key);
    }
}

/// <summary>What a poll found.</summary>
public enum PollOutcome
{
    /// <summary>No snapshot of the group exists yet.</summary>
    Missing,
    /// <summary>The manifest has not changed since the last poll.</summary>
    Unchanged,
    /// <summary>The manifest names a version not newer than the one served.</summary>
    NotNewer,
    /// <summary>A newer, verified snapshot.</summary>
    Newer,
}
