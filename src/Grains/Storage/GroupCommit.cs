using OrleansGateway.Contracts.History;
using OrleansGateway.Contracts.Resources;

namespace OrleansGateway.Grains.Storage;

/// <summary>
/// One accepted write: move the group from <see cref="ExpectedVersion"/> to <see cref="NewVersion"/>, upsert and
/// delete the named rows, append <see cref="Changes"/> and drop change log entries older than
/// <see cref="PruneChangesBefore"/>. With <see cref="ReplaceAll"/> every existing resource row is deleted first.
/// <see cref="Audit"/> (one entry per version) and <see cref="History"/> (each resource's value before and after) are
/// appended in the same transaction (they are pruned apart from commits: <see cref="IGroupStore.PruneHistoryAsync"/>).
/// </summary>
public sealed record GroupCommit(
    string Group,
    long ExpectedVersion,
    long NewVersion,
    long UpdateTime,
    IReadOnlyList<StoredResource> Upserts,
    IReadOnlyList<ResourceKey> Deletes,
    IReadOnlyList<ChangeRecord> Changes,
    bool ReplaceAll = false,
    string? ConfigJson = null,
    long PruneChangesBefore = 0,
    IReadOnlyList<AuditEntry>? Audit = null,
    IReadOnlyList<HistoryRecord>? History = null);
