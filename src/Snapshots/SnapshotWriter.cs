using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Snapshots;
using OrleansGateway.Snapshots.Stores;

namespace OrleansGateway.Snapshots;

/// <summary>
/// Writes a group's snapshot: the data objects of both buckets first, then each version's manifest, then the
/// <c>latest</c> manifests — so a reader never finds a manifest naming something missing or partial — and then
/// deletes versions beyond the retention.
/// </summary>
public sealed class SnapshotWriter(ISnapshotStore store, SnapshotLayout layout, SnapshotKey? key, int retain, TimeProvider time)
{
    private const string Gzip = "application/gzip";
    private const string Json = "application/json";

    /// <summary>The store, for reads by the Admin API.</summary>
    public ISnapshotStore Store => store;

    /// <summary>The bucket names.</summary>
    public SnapshotLayout Layout => layout;

    /// <summary>Uploads <paramref name="export"/> to both buckets; returns the two manifests.</summary>
    public async Task<(SnapshotManifest Resources, SnapshotManifest Config)> WriteAsync(GroupExport export, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var resources = SnapshotCodec.Encode(export.Group, SnapshotLayout.Resources, export.Version, now, writer => StandaloneConfig.Write(writer, export), key);
        var config = SnapshotCodec.Encode(export.Group, SnapshotLayout.Config, export.Version, now, export.ConfigJson, key);
        foreach (var encoded in new[] { resources, config })
        {
            await store.PutAsync(layout.BucketOf(encoded.Manifest.Content), encoded.Manifest.Object, encoded.Object, Gzip, cancellationToken);
        }
        foreach (var encoded in new[] { resources, config })
        {
            var m = encoded.Manifest;
            await store.PutAsync(layout.BucketOf(m.Content), SnapshotLayout.VersionManifestKey(m.Group, m.Content, m.Version), SnapshotCodec.ManifestBytes(m), Json, cancellationToken);
        }
        foreach (var encoded in new[] { resources, config })
        {
            var m = encoded.Manifest;
            await store.PutAsync(layout.BucketOf(m.Content), SnapshotLayout.LatestKey(m.Group, m.Content), SnapshotCodec.ManifestBytes(m), Json, cancellationToken);
        }
        foreach (var content in new[] { SnapshotLayout.Resources, SnapshotLayout.Config })
        {
            await PruneAsync(export.Group, content, export.Version, cancellationToken);
        }
        return (resources.Manifest, config.Manifest);
    }

    /// <summary>The current manifest of a group's content, or null when none was written yet.</summary>
    public async Task<SnapshotManifest?> ReadLatestAsync(string group, string content, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(layout.BucketOf(content), SnapshotLayout.LatestKey(group, content), null, cancellationToken);
        return stored is null ? null : SnapshotCodec.ParseManifest(stored.Data);
    }

    /// <summary>The manifests of every retained version, newest first.</summary>
    public async Task<IReadOnlyList<SnapshotManifest>> ListAsync(string group, string content, CancellationToken cancellationToken)
    {
        var bucket = layout.BucketOf(content);
        var objects = await store.ListAsync(bucket, SnapshotLayout.Prefix(group, content), cancellationToken);
        var manifests = new List<SnapshotManifest>();
        foreach (var o in objects.Where(o => o.Key.EndsWith(".manifest.json", StringComparison.Ordinal)).OrderByDescending(o => o.Key, StringComparer.Ordinal))
        {
            if (await store.GetAsync(bucket, o.Key, null, cancellationToken) is { } stored)
            {
                manifests.Add(SnapshotCodec.ParseManifest(stored.Data));
            }
        }
        return manifests;
    }

    /// <summary>Reads and verifies one retained version; null when it is not retained.</summary>
    public Task<SnapshotCodec.Document?> ReadVersionAsync(string group, string content, long version, CancellationToken cancellationToken) =>
        SnapshotReader.ReadVersionAsync(store, layout, group, content, version, key, cancellationToken);

    private async Task PruneAsync(string group, string content, long current, CancellationToken cancellationToken)
    {
        var bucket = layout.BucketOf(content);
        var objects = await store.ListAsync(bucket, SnapshotLayout.Prefix(group, content), cancellationToken);
        var versions = objects.Select(o => SnapshotLayout.VersionOf(o.Key)).OfType<long>().Distinct().OrderDescending().ToList();
        var keep = versions.Take(retain).Append(current).ToHashSet();
        foreach (var o in objects)
        {
            if (SnapshotLayout.VersionOf(o.Key) is { } v && !keep.Contains(v))
            {
                await store.DeleteAsync(bucket, o.Key, cancellationToken);
            }
        }
    }
}
