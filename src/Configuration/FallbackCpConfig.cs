using OrleansGateway.Contracts.Scheduling;
using OrleansGateway.Contracts.Snapshots;

namespace OrleansGateway.Configuration;

/// <summary>
/// <c>fallback_cp</c>: where snapshots go (S3 with two buckets, or a folder under the data directory when
/// <c>aws_s3</c> is absent), how often, how many to keep, and how a data plane falls back to them.
/// </summary>
public sealed record FallbackCpConfig
{
    /// <summary><c>fallback_cp.aws_s3</c>; null means the embedded folder store.</summary>
    public S3Config? AwsS3 { get; init; }

    /// <summary><c>fallback_cp.cron_spec</c> (default <c>@every 1m</c>, as in API7's example).</summary>
    public CronSchedule Schedule { get; init; } = CronSchedule.Parse("@every 1m");

    /// <summary><c>fallback_cp.encryption_key</c>: AES-256-GCM key for snapshot payloads, or null.</summary>
    public SnapshotKey? EncryptionKey { get; init; }

    /// <summary><c>fallback_cp.retain</c>: snapshot versions kept per group and bucket.</summary>
    public int Retain { get; init; } = 10;

    /// <summary><c>fallback_cp.folder</c>: the folder store's root when <c>aws_s3</c> is absent.</summary>
    public string? Folder { get; init; }

    /// <summary><c>fallback_cp.fallback_after</c>: how long the CP must be unreachable before a DP polls snapshots.</summary>
    public TimeSpan FallbackAfter { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary><c>fallback_cp.poll_interval</c>: how often a DP polls the manifests while in fallback.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary><c>fallback_cp.aws_s3</c>, the seed document's block plus what S3-compatible stores need.</summary>
public sealed record S3Config
{
    /// <summary>Access key; with <see cref="SecretKey"/>, or neither for the default AWS credential chain.</summary>
    public string? AccessKey { get; init; }

    /// <summary>Secret key. Never logged.</summary>
    public string? SecretKey { get; init; }

    /// <summary>Region (default us-east-1).</summary>
    public string Region { get; init; } = "us-east-1";

    /// <summary>Bucket for instance configuration (keyring, discovery).</summary>
    public string ConfigBucket { get; init; } = "";

    /// <summary>Bucket for resources (routes, services, upstreams …).</summary>
    public string ResourceBucket { get; init; } = "";

    /// <summary>Endpoint of an S3-compatible store (MinIO …), or null for AWS.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>Path-style addressing (needed by most S3-compatible stores).</summary>
    public bool UsePathStyle { get; init; }

    /// <summary><c>AES256</c> or <c>aws:kms</c>, or null.</summary>
    public string? ServerSideEncryption { get; init; }

    /// <summary>KMS key for <c>aws:kms</c>.</summary>
    public string? KmsKeyId { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        $"S3Config {{ Region = {Region}, ConfigBucket = {ConfigBucket}, ResourceBucket = {ResourceBucket}, Endpoint = {Endpoint}, AccessKey = {(AccessKey is null ? "default chain" : "set")}, SecretKey = <hidden> }}";
}
