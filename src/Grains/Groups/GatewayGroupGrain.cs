using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.History;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Security;
using OrleansGateway.Contracts.Feed;
using OrleansGateway.Grains.Feed;
using OrleansGateway.Grains.Observability;
using OrleansGateway.Grains.Storage;

namespace OrleansGateway.Grains.Groups;

/// <summary>
/// Owns one gateway group: holds its resources in memory, is their only writer, gives every accepted write the next
/// version, commits it to the <see cref="IGroupStore"/> (only the changed rows) before answering, and pushes the
/// commit (<see cref="GroupChanged"/>, with the change itself when small) to every silo's <see cref="FollowerHub"/>,
/// which pushes it on to the data planes connected there: one message per silo from here, whatever the fleet's size.
/// </summary>
/// <remarks>
/// Why a row-per-resource store and not Orleans' <c>IPersistentState</c>: <c>WriteStateAsync</c> rewrites the whole
/// state, which for a group of 100,000 routes means tens of MB per single-route PUT. Why not event sourcing: the
/// store's rows plus a bounded change log give the same "changes since N" answer with simpler recovery and no replay.
/// Kept active while its group exists (<see cref="LoadAsync"/>): Orleans would otherwise collect it after an idle
/// spell, and the next write or data-plane reload would wait for the whole group to load again (seconds at 100,000
/// routes), and its version would vanish from the silo's metrics. A grain of a group that does not exist is collected
/// when idle, as usual; a deleted group's grain deactivates at once.
/// </remarks>
public sealed partial class GatewayGroupGrain(
    IGroupStore store,
    IOptions<GatewayGroupOptions> options,
    ILogger<GatewayGroupGrain> logger,
    TimeProvider timeProvider,
    ILocalSiloDetails silo,
    ControlPlaneMetrics metrics,
    IClusterMembershipService membership,
    IFollowerHubs hubs) : Grain, IGatewayGroupGrain
{
    private readonly GroupResources _resources = new();
    private readonly ChangeLog _changes = new(options.Value.ChangeLogCapacity);
    /// <summary>A commit whose changed resources' JSON exceeds this is pushed as a hint: followers fetch it.</summary>
    internal const int MaxPushedDeltaChars = 256 * 1024;

    private GroupRecord? _group;

    private string GroupId => this.GetPrimaryKeyString();

    private long Now => timeProvider.GetUtcNow().ToUnixTimeSeconds();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        if (_group is null && GroupId == options.Value.DefaultGroup)
        {
            await CreateRecordAsync("default", "the default gateway group", cancellationToken);
        }
        await EnsureKeyringAsync();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        metrics.GroupGone(GroupId);
        return Task.CompletedTask;
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        _resources.Clear();
        _group = await store.LoadGroupAsync(GroupId, cancellationToken);
        _assigned = _group?.Version ?? 0;
        if (_group is null)
        {
            _changes.Load([]);
            metrics.GroupGone(GroupId);
            DelayDeactivation(TimeSpan.Zero); // no group (any more): collected when idle, like any grain
            return;
        }
        // Effectively for the life of the silo (an explicit deactivation, as on delete, still takes effect).
        DelayDeactivation(TimeSpan.FromDays(3650));
        var cipher = Cipher;
        foreach (var problem in _resources.Load(await store.LoadResourcesAsync(GroupId, cancellationToken),
            (resource, value) => SecretValues.Decrypt(resource.Kind, resource.Id, value, cipher)))
        {
            logger.LogError("Gateway group {Group}: {Problem}; its credential is not checked for uniqueness until it is written again", GroupId, problem);
        }
        _changes.Load(await store.LoadRecentChangesAsync(GroupId, _changes.Capacity, cancellationToken));
        metrics.GroupVersion(GroupId, _group.Version);
        ArmHistoryPruning();
        logger.LogInformation("Loaded gateway group {Group} at version {Version} with {Count} resources", GroupId, _group.Version, _resources.Count);
        HeapTrim.After(_resources.Count, "loading the group", logger);
    }

    private async Task<bool> CreateRecordAsync(string? name, string? description, CancellationToken cancellationToken)
    {
        var now = Now;
        var record = new GroupRecord(GroupId, name ?? GroupId, description ?? "", 0, now, now, NewConfigJson());
        var created = await store.CreateGroupAsync(record, NewAudit(0, AuditOperations.CreateGroup, null, null, 0), cancellationToken);
        await LoadAsync(cancellationToken);
        return created;
    }

    public Task<GroupResult> GetInfo() =>
        Task.FromResult(_group is null ? GroupMissing() : new GroupResult(200, null, Info(_group)));

    public Task<GroupResult> Create(string? name, string? description) => ExclusiveAsync(() => CreateCoreAsync(name, description));

    private async Task<GroupResult> CreateCoreAsync(string? name, string? description)
    {
        if (_group is not null)
        {
            return new GroupResult(409, $"gateway group \"{GroupId}\" already exists", Info(_group));
        }
        var created = await CreateRecordAsync(name, description, CancellationToken.None);
        if (created)
        {
            await GrainFactory.GetGrain<ISnapshotGrain>(GroupId).Ensure();
        }
        logger.LogInformation("Created gateway group {Group}", GroupId);
        return new GroupResult(created ? 201 : 409, created ? null : $"gateway group \"{GroupId}\" already exists", Info(_group!));
    }

    public Task<GroupResult> DeleteGroup() => ExclusiveAsync(DeleteGroupCoreAsync);

    private async Task<GroupResult> DeleteGroupCoreAsync()
    {
        if (_group is null)
        {
            return GroupMissing();
        }
        if (GroupId == options.Value.DefaultGroup)
        {
            return new GroupResult(400, $"the default gateway group \"{GroupId}\" cannot be deleted", Info(_group));
        }
        var info = Info(_group);
        await store.DeleteGroupAsync(GroupId, CancellationToken.None);
        await GrainFactory.GetGrain<ISnapshotGrain>(GroupId).Disable();
        _group = null;
        _resources.Clear();
        _changes.Load([]);
        _historyTimer?.Dispose();
        _historyTimer = null;
        metrics.GroupGone(GroupId);
        // The group's audit log goes with it: the silo log keeps who deleted it.
        var (keyName, client) = AuditActor.Current();
        logger.LogWarning("Deleted gateway group {Group} at version {Version} (admin key {KeyName} from {Client})", GroupId, info.Version, keyName, client ?? "this silo");
        DeactivateOnIdle();
        return new GroupResult(200, null, info);
    }

    private GroupInfo Info(GroupRecord r) =>
        new(r.Id, r.Name, r.Description, r.Version, r.CreateTime, r.UpdateTime) { Silo = silo.SiloAddress.ToString() };

    private GroupResult GroupMissing() => new(404, $"gateway group \"{GroupId}\" not found", null);

    private AdminResult GroupMissingResult() => AdminResult.Fail(404, $"gateway group \"{GroupId}\" not found");

    /// <summary>
    /// Commits one whole-group write (bulk replace, config) and moves the committed version. Single-resource writes
    /// go through the write queue instead (GatewayGroupGrain.WriteQueue.cs). On a version conflict (another
    /// activation wrote the group, e.g. during a membership change) the state is reloaded.
    /// </summary>
    private async Task<(CommitOutcome Outcome, long Version)> CommitAsync(
        IReadOnlyList<StoredResource> upserts,
        IReadOnlyList<ResourceKey> deletes,
        IReadOnlyList<ChangeRecord> changes,
        AuditEntry audit,
        IReadOnlyList<HistoryRecord> history,
        bool replaceAll = false,
        string? configJson = null)
    {
        var group = _group!;
        var version = group.Version + 1;
        var now = Now;
        var commit = new GroupCommit(GroupId, group.Version, version, now, upserts, deletes, changes, replaceAll, configJson, PruneBefore(group.Version, version),
            [audit], history);
        var outcome = await TryCommitAsync(commit);
        if (outcome != CommitOutcome.Committed)
        {
            return (outcome, group.Version);
        }
        _group = group with { Version = version, UpdateTime = now, ConfigJson = configJson ?? group.ConfigJson };
        _assigned = version;
        _changes.Append(changes);
        PruneHistoryAfter(group.Version, version);
        metrics.GroupVersion(GroupId, version);
        return (outcome, version);
    }

    /// <summary>Writes a commit; on failure reloads the state from the store so memory never runs ahead of it.</summary>
    private async Task<CommitOutcome> TryCommitAsync(GroupCommit commit)
    {
        try
        {
            await store.CommitAsync(commit, CancellationToken.None);
            return CommitOutcome.Committed;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            await ReloadAfterFailureAsync(e, commit);
            return e is GroupVersionConflictException ? CommitOutcome.Conflict : CommitOutcome.Unavailable;
        }
    }

    /// <summary>Every 100th version drops change log entries older than the log's capacity.</summary>
    private long PruneBefore(long from, long to) =>
        to / 100 > from / 100 ? Math.Max(0, to - _changes.Capacity) : 0;

    private AdminResult Failure(CommitOutcome outcome) => Failure(outcome, GroupId, _group?.Version ?? 0);

    private static AdminResult Failure(CommitOutcome outcome, string group, long version) => outcome == CommitOutcome.Conflict
        ? AdminResult.Fail(409, $"gateway group \"{group}\" was changed concurrently; retry the request", version)
        : AdminResult.Fail(503, $"the write to gateway group \"{group}\" could not be stored; nothing was changed, retry later", version);

    /// <summary>
    /// Pushes one commit (versions after <paramref name="previous"/> up to <paramref name="version"/>) to every active
    /// silo's hub, one-way; <paramref name="delta"/> is what <c>GetChangesSince(previous)</c> answers, or null for a
    /// hint. The write is durable already: a follower that misses the push reconciles by version at its next push or
    /// heartbeat.
    /// </summary>
    private void Publish(long version, long previous, bool reset, ActivityContext trace, ChangeSet? delta)
    {
        if (delta is not null && delta.Upserted.Sum(r => (long)r.Json.Length) > MaxPushedDeltaChars)
        {
            delta = null;
        }
        var change = new GroupChanged(GroupId, version, previous, reset, TraceContext.FormatTraceParent(trace), trace.TraceState, delta);
        foreach (var member in membership.CurrentSnapshot.Members.Values)
        {
            if (member.Status != SiloStatus.Active)
            {
                continue;
            }
            try
            {
                _ = hubs.On(member.SiloAddress).Publish(change);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Could not push change {Version} of gateway group {Group} to silo {Silo}", version, GroupId, member.SiloAddress);
            }
        }
    }

    /// <summary>Runs one write inside an <c>og.group.write</c> span, tagged with its status and version.</summary>
    private async Task<T> TracedAsync<T>(string operation, ResourceKind? kind, string? id, Func<Task<T>> write, Func<T, (int Status, long Version)> result)
    {
        using var activity = ControlPlaneTracing.StartWrite(GroupId, operation, kind?.PathName(), id);
        var outcome = await write();
        var (status, version) = result(outcome);
        ControlPlaneTracing.Finish(activity, status, version);
        return outcome;
    }

    private Task<AdminResult> TracedAsync(string operation, ResourceKind? kind, string? id, Func<Task<AdminResult>> write) =>
        TracedAsync(operation, kind, id, write, r => (r.Status, r.Version));
}
