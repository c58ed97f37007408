namespace OrleansGateway.Contracts.Grains;

/// <summary>
/// Takes the snapshots of one gateway group (key: the group id) on the <c>fallback_cp.cron_spec</c> schedule. A
/// reminder is its durable wake-up (it survives the death of the silo that hosts it); a grain timer keeps short
/// periods such as <c>@every 10s</c>.
/// </summary>
[Alias("og.ISnapshotGrain")]
public interface ISnapshotGrain : IGrainWithStringKey
{
    /// <summary>Arms the schedule (idempotent).</summary>
    [Alias("Ensure")]
    Task Ensure();

    /// <summary>Takes a snapshot now; with <paramref name="force"/>, even when the group has not changed.</summary>
    [Alias("TakeNow")]
    Task<SnapshotStatus> TakeNow(bool force);

    /// <summary>The snapshotter's health: last success, last failure, age.</summary>
    [Alias("GetStatus")]
    Task<SnapshotStatus> GetStatus();

    /// <summary>Replaces the group's state with a retained snapshot, under a new, higher version.</summary>
    [Alias("Restore")]
    Task<AdminResult> Restore(long version);

    /// <summary>Stops the schedule (the group was deleted).</summary>
    [Alias("Disable")]
    Task Disable();
}

/// <summary>What the snapshotter of a group last did.</summary>
[GenerateSerializer, Immutable, Alias("og.SnapshotStatus")]
public sealed record SnapshotStatus
{
    /// <summary>The group.</summary>
    [Id(0)] public string Group { get; init; } = "";
    /// <summary>The version of the newest snapshot in the store, when known.</summary>
    [Id(1)] public long? LastVersion { get; init; }
    /// <summary>When the newest snapshot was taken.</summary>
    [Id(2)] public DateTimeOffset? LastSuccessAt { get; init; }
    /// <summary>When the last attempt failed, if it did.</summary>
    [Id(3)] public DateTimeOffset? LastFailureAt { get; init; }
    /// <summary>The kind of the last failure (<c>unreachable</c>, <c>credentials</c>, <c>no_bucket</c> …).</summary>
    [Id(4)] public string? LastFailureKind { get; init; }
    /// <summary>The last failure's message (no secrets).</summary>
    [Id(5)] public string? LastFailureMessage { get; init; }
    /// <summary>Failed attempts since the last success.</summary>
    [Id(6)] public int ConsecutiveFailures { get; init; }
    /// <summary>When the next attempt is due.</summary>
    [Id(7)] public DateTimeOffset? NextAttemptAt { get; init; }
    /// <summary>What the last call did: <c>uploaded</c>, <c>unchanged</c>, <c>failed</c>, <c>idle</c>.</summary>
    [Id(8)] public string LastOutcome { get; init; } = "idle";
    /// <summary>Where snapshots go: resource bucket and config bucket locations.</summary>
    [Id(9)] public string ResourceLocation { get; init; } = "";
    /// <summary>The config bucket location.</summary>
    [Id(10)] public string ConfigLocation { get; init; } = "";
    /// <summary>The silo that holds the snapshot duty now.</summary>
    [Id(11)] public string Silo { get; init; } = "";
}
