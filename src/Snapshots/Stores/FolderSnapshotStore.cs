using System.Security.Cryptography;

namespace OrleansGateway.Snapshots.Stores;

/// <summary>
/// The embedded default: buckets are folders under a root (<c>{data_dir}/snapshots</c>). Writes go to a temporary
/// file that is flushed and renamed into place, so a reader sees a whole object or none.
/// </summary>
public sealed class FolderSnapshotStore(string root) : ISnapshotStore
{
    public string Root { get; } = Path.GetFullPath(root);

    public string Describe(string bucket) => Path.Combine(Root, bucket);

    public async Task PutAsync(string bucket, string key, byte[] data, string contentType, CancellationToken cancellationToken)
    {
        var path = PathOf(bucket, key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous))
        {
            await stream.WriteAsync(data, cancellationToken);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    public async Task<StoredObject?> GetAsync(string bucket, string key, string? ifNoneMatch, CancellationToken cancellationToken)
    {
        var path = PathOf(bucket, key);
        byte[] data;
        try
        {
            data = await File.ReadAllBytesAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        var etag = Convert.ToHexStringLower(SHA256.HashData(data))[..32];
        return etag == ifNoneMatch ? new StoredObject([], etag, NotModified: true) : new StoredObject(data, etag);
    }

    public Task<IReadOnlyList<StoredObjectInfo>> ListAsync(string bucket, string prefix, CancellationToken cancellationToken)
    {
        var bucketRoot = Path.Combine(Root, bucket);
        var directory = Path.GetDirectoryName(PathOf(bucket, prefix + "x"))!;
        if (!Directory.Exists(directory))
        {
            return Task.FromResult<IReadOnlyList<StoredObjectInfo>>([]);
        }
        var list = new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories)
            .Where(f => !f.Name.EndsWith(".tmp", StringComparison.Ordinal))
            .Select(f => new StoredObjectInfo(Path.GetRelativePath(bucketRoot, f.FullName).Replace(Path.DirectorySeparatorChar, '/'), f.Length, f.LastWriteTimeUtc))
            .Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(o => o.Key, StringComparer.Ordinal)
            .ToList();
        return Task.FromResult<IReadOnlyList<StoredObjectInfo>>(list);
    }

    public Task DeleteAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        try
        {
            File.Delete(PathOf(bucket, key));
        }
        catch (DirectoryNotFoundException)
        {
        }
        return Task.CompletedTask;
    }

    private string PathOf(string bucket, string key)
    {
        var path = Path.GetFullPath(Path.Combine(Root, bucket, key));
        if (!path.StartsWith(Path.Combine(Root, bucket) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"key \"{key}\" leaves bucket \"{bucket}\"");
        }
        return path;
    }
}
