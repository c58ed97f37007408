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

    /// <summary>Inserts the group row; false when a group with that id exists.</summary>
    Task<bool> CreateGroupAsync(GroupRecord group, CancellationToken cancellationToken);

    /// <summary>Deletes the group and all its rows.</summary>
    Task DeleteGroupAsync(string group, CancellationToken cancellationToken);

    /// <summary>Every group row, ordered by id.</summary>
    Task<IReadOnlyList<GroupRecord>> ListGroupsAsync(CancellationToken cancellationToken);

    /// <summary>Applies one accepted write atomically.</summary>
    Task CommitAsync(GroupCommit commit, CancellationToken cancellationToken);
}
