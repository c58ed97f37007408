namespace OrleansGateway.Snapshots.Stores;

/// <summary>Where snapshot objects live: S3 (or an S3-compatible server), or a folder. Buckets are top-level names.</summary>
public interface ISnapshotStore
{
    /// <summary>A human-readable location of <paramref name="bucket"/> (<c>s3://name</c> or a path), for the API and logs.</summary>
    string Describe(string bucket);

    /// <summary>Stores an object, replacing any with the same key. The object is complete when this returns.</summary>
    Task PutAsync(string bucket, string key, byte[] data, string contentType, CancellationToken cancellationToken);

    /// <summary>
    /// Reads an object. Null when it does not exist; <see cref="StoredObject.NotModified"/> when
    /// <paramref name="ifNoneMatch"/> is its current ETag.
    /// </summary>
    Task<StoredObject?> GetAsync(string bucket, string key, string? ifNoneMatch, CancellationToken cancellationToken);

    /// <summary>Every object whose key starts with <paramref name="prefix"/>.</summary>
    Task<IReadOnlyList<StoredObjectInfo>> ListAsync(string bucket, string prefix, CancellationToken cancellationToken);

    /// <summary>Deletes an object (no error when it is already gone).</summary>
    Task DeleteAsync(string bucket, string key, CancellationToken cancellationToken);
}

/// <summary>An object's bytes and ETag, or "not modified".</summary>
public sealed record StoredObject(byte[] Data, string? ETag, bool NotModified = false);

/// <summary>A listed object.</summary>
public sealed record StoredObjectInfo(string Key, long Size, DateTimeOffset LastModified);

/// <summary>The store could not be reached or refused the request; <see cref="Kind"/> groups failures for logs and metrics.</summary>
public sealed class SnapshotStoreException(string kind, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary><c>unreachable</c>, <c>credentials</c>, <c>no_bucket</c>, <c>denied</c> or <c>error</c>.</summary>
    public string Kind { get; } = kind;
}
