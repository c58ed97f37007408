using OrleansGateway.Contracts.History;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Grains.Storage;

namespace OrleansGateway.Grains.Tests;

/// <summary>The real store, with commits for one group made to fail on demand (a database outage, seen by the grain).</summary>
public sealed class FaultyGroupStore(IGroupStore inner) : IGroupStore
{
    private static readonly Dictionary<string, int> FailuresByGroup = [];
    private static readonly Dictionary<string, int> CommitsByGroup = [];

    private static readonly Dictionary<string, TimeSpan> DelayByGroup = [];

    /// <summary>Every commit of <paramref name="group"/> takes at least <paramref name="delay"/> (a slow disk).</summary>
    public static void SlowCommits(string group, TimeSpan delay)
    {
        lock (FailuresByGroup)
        {
            DelayByGroup[group] = delay;
        }
    }

    /// <summary>How many commits of <paramref name="group"/> reached the store.</summary>
    public static int Commits(string group)
    {
        lock (FailuresByGroup)
        {
            return CommitsByGroup.GetValueOrDefault(group);
        }
    }

    /// <summary>The next <paramref name="count"/> commits of <paramref name="group"/> throw.</summary>
    public static void FailNextCommits(string group, int count)
    {
        lock (FailuresByGroup)
        {
            FailuresByGroup[group] = count;
        }
    }

    public async Task CommitAsync(GroupCommit commit, CancellationToken cancellationToken)
    {
        TimeSpan delay;
        lock (FailuresByGroup)
        {
            delay = DelayByGroup.GetValueOrDefault(commit.Group);
        }
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, cancellationToken);
        }
        lock (FailuresByGroup)
        {
            CommitsByGroup[commit.Group] = CommitsByGroup.GetValueOrDefault(commit.Group) + 1;
            if (FailuresByGroup.TryGetValue(commit.Group, out var left) && left > 0)
            {
                FailuresByGroup[commit.Group] = left - 1;
                throw new IOException("injected store failure");
            }
        }
        await inner.CommitAsync(commit, cancellationToken);
    }

    public Task InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);
    public Task<GroupRecord?> LoadGroupAsync(string group, CancellationToken cancellationToken) => inner.LoadGroupAsync(group, cancellationToken);
    public Task<IReadOnlyList<StoredResource>> LoadResourcesAsync(string group, CancellationToken cancellationToken) => inner.LoadResourcesAsync(group, cancellationToken);
    public Task<IReadOnlyList<ChangeRecord>> LoadRecentChangesAsync(string group, int limit, CancellationToken cancellationToken) => inner.LoadRecentChangesAsync(group, limit, cancellationToken);
    public Task<bool> CreateGroupAsync(GroupRecord group, AuditEntry? created, CancellationToken cancellationToken) => inner.CreateGroupAsync(group, created, cancellationToken);
    public Task<(long Total, IReadOnlyList<AuditEntry> List)> LoadAuditAsync(string group, AuditQuery query, CancellationToken cancellationToken) => inner.LoadAuditAsync(group, query, cancellationToken);
    public Task<HistoryCoverage> LoadCoverageAsync(string group, long after, long upTo, CancellationToken cancellationToken) => inner.LoadCoverageAsync(group, after, upTo, cancellationToken);
    public Task<IReadOnlyList<HistoryRecord>> LoadNetChangesAsync(string group, long after, long upTo, CancellationToken cancellationToken) => inner.LoadNetChangesAsync(group, after, upTo, cancellationToken);
    public Task<IReadOnlyList<HistoryRecord>> LoadConfigChangesAsync(string group, long after, CancellationToken cancellationToken) => inner.LoadConfigChangesAsync(group, after, cancellationToken);
    public Task<int> PruneHistoryAsync(string group, long beforeVersion, long olderThan, CancellationToken cancellationToken) => inner.PruneHistoryAsync(group, beforeVersion, olderThan, cancellationToken);
    public Task DeleteGroupAsync(string group, CancellationToken cancellationToken) => inner.DeleteGroupAsync(group, cancellationToken);
    public Task<IReadOnlyList<GroupRecord>> ListGroupsAsync(CancellationToken cancellationToken) => inner.ListGroupsAsync(cancellationToken);
}
