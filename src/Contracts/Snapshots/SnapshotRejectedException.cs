namespace OrleansGateway.Contracts.Snapshots;

/// <summary>Why a snapshot was refused. A refused snapshot never replaces the configuration being served.</summary>
public enum SnapshotRejection
{
    /// <summary>The object's size differs from the manifest's.</summary>
    SizeMismatch,
    /// <summary>The object's SHA-256 differs from the manifest's.</summary>
    HashMismatch,
    /// <summary>A format version this reader does not know.</summary>
    UnknownFormat,
    /// <summary>The snapshot belongs to another group or holds other content.</summary>
    Foreign,
    /// <summary>The snapshot is encrypted and no key is configured.</summary>
    MissingKey,
    /// <summary>The configured key is not the one the snapshot was encrypted with, or decryption failed.</summary>
    WrongKey,
    /// <summary>The object is not a valid gzip JSON document.</summary>
    Corrupt,
}

/// <summary>A snapshot that failed verification, with a message fit for logs and <c>/status</c>.</summary>
public sealed class SnapshotRejectedException(SnapshotRejection reason, string message) : Exception(message)
{
    /// <summary>The kind of failure, for metrics.</summary>
    public SnapshotRejection Reason { get; } = reason;
}
