using OrleansGateway.Contracts.History;
using OrleansGateway.Contracts.Resources;

namespace OrleansGateway.Grains.Storage;

/// <summary>
/// Durable storage of gateway groups, one row per resource. The group grain is its only writer; a commit writes only
/// the changed rows, the group's version row and the change log entries, in one transaction, and fails with
/// <see cref="GroupVersionConflictException"/> when the stored version is not the expected one.
/// Implementations: SQLite (embedded) and PostgreSQL (cluster), in the Persistence project.
/// </summary>
public interface IGroupStore
{
    /// <summary>Creates tables if needed. Safe to call from several processes at once.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>The group's row, or null when it does not exist.</summary>
    Task<GroupRecord?> LoadGroupAsync(string group, CancellationToken cancellationToken);

    /// <summary>Every resource of the group.</summary>
    Task<IReadOnlyList<StoredResource>> LoadResourcesAsync(string group, CancellationToken cancellationToken);

    /// <summary>The newest change log entries of the group (at most <paramref name="limit"/>), oldest first.</summary>
    Task<IReadOnlyList<ChangeRecord>> LoadRecentChangesAsync(string group, int limit, CancellationToken cancellationToken);

    /// <summary>Inserts the group row (and its audit entry, version 0); false when a group with that id exists.</summary>
    Task<bool> CreateGroupAsync(GroupRecord group, AuditEntry? created, CancellationToken cancellationToken);

    /// <summary>A page of the group's audit log, newest first, with the count of entries that matched.</summary>
    Task<(long Total, IReadOnlyList<AuditEntry> List)> LoadAuditAsync(string group, AuditQuery query, CancellationToken cancellationToken);

    /// <summary>The oldest audited version of the group and how many versions after <paramref name="after"/> up to <paramref name="upTo"/> are audited.</summary>
    Task<HistoryCoverage> LoadCoverageAsync(string group, long after, long upTo, CancellationToken cancellationToken);

    /// <summary>
    /// The net change of each resource (and of the instance configuration) over the versions after
    /// <paramref name="after"/> up to <paramref name="upTo"/>: its value before the first change in the range and
    /// after the last (<see cref="HistoryRecord.Version"/> is the last change's version).
    /// </summary>
    Task<IReadOnlyList<HistoryRecord>> LoadNetChangesAsync(string group, long after, long upTo, CancellationToken cancellationToken);

    /// <summary>Every change of the instance configuration after <paramref name="after"/>, oldest first.</summary>
    Task<IReadOnlyList<HistoryRecord>> LoadConfigChangesAsync(string group, long after, CancellationToken cancellationToken);

    /// <summary>
    /// Drops the audit entries and history of versions older than <paramref name="beforeVersion"/>, and of every
    /// version up to the newest one written before <paramref name="olderThan"/> (Unix milliseconds); returns how many
    /// audit entries went.
    /// </summary>
    Task<int> PruneHistoryAsync(string group, long beforeVersion, long olderThan, CancellationToken cancellationToken);

    /// <summary>Deletes the group and all its rows.</summary>
    Task DeleteGroupAsync(string group, CancellationToken cancellationToken);

    /// <summary>Every group row, ordered by id.</summary>
    Task<IReadOnlyList<GroupRecord>> ListGroupsAsync(CancellationToken cancellationToken);

    /// <summary>Applies one accepted write atomically.</summary>
    Task CommitAsync(GroupCommit commit, CancellationToken cancellationToken);
}
