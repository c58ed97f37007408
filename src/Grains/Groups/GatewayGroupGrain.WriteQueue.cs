using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.History;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Grains.Observability;
using OrleansGateway.Grains.Storage;

namespace OrleansGateway.Grains.Groups;

/// <summary>
/// Group commit for single-resource writes. Put/Post/Patch/Delete are <c>[AlwaysInterleave]</c>: each validates
/// against the in-memory state (which already holds the writes queued before it), takes the next version, applies
/// itself to memory and queues; one flush loop commits everything queued in one store transaction, then answers the
/// writers and pushes the batch's changes to data planes as one delta. Writes therefore cost one transaction per batch, not per
/// write, under load. Reads are not interleaved with writes (Orleans runs a read only when no write is in flight),
/// so they never see a version that is not durable. If a commit fails, every queued write fails and the state is
/// reloaded from the store before anything else runs (the barrier).
/// </summary>
public sealed partial class GatewayGroupGrain
{
    private readonly List<PendingWrite> _pending = [];
    private Task? _flushing;
    private Task _barrier = Task.CompletedTask;

    /// <summary>The highest version handed out; the committed one is <c>_group.Version</c>.</summary>
    private long _assigned;

    private sealed class PendingWrite(long version, ResourceKey key, StoredResource? upsert, ChangeKind change, ActivityContext trace, AuditEntry audit, string? before)
    {
        /// <summary>The write's audit entry (who, from where, what).</summary>
        public AuditEntry Audit { get; } = audit;

        /// <summary>The resource before and after the write, for diffs and rollbacks.</summary>
        public HistoryRecord History { get; } = new(version, key.Kind, key.Id, before, upsert?.Json);

        /// <summary>The writer's span: the commit links to it, the change hint carries it to data planes.</summary>
        public ActivityContext Trace { get; } = trace;

        public long Version { get; } = version;
        public ResourceKey Key { get; } = key;
        public StoredResource? Upsert { get; } = upsert;
        public ChangeRecord Change { get; } = new(version, change, key.Kind, key.Id);
        public TaskCompletionSource<CommitOutcome> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Waits while a whole-group operation or a reload after a failed commit is under way.</summary>
    private async ValueTask WaitForBarrierAsync()
    {
        while (!_barrier.IsCompleted)
        {
            await _barrier;
        }
    }

    /// <summary>
    /// Queues a write already applied to memory (<paramref name="before"/>: the resource's stored JSON before it);
    /// completes when it is durable (or failed).
    /// </summary>
    private Task<CommitOutcome> Enqueue(long version, ResourceKey key, StoredResource? upsert, string operation, string? before)
    {
        var audit = NewAudit(version, operation, key.Kind, key.Id, 1);
        var write = new PendingWrite(version, key, upsert, upsert is null ? ChangeKind.Delete : ChangeKind.Upsert, Activity.Current?.Context ?? default, audit, before);
        _pending.Add(write);
        if (_flushing is null || _flushing.IsCompleted)
        {
            _flushing = FlushAsync();
        }
        return write.Done.Task;
    }

    private async Task FlushAsync()
    {
        // This loop outlives the write whose call started it: its spans must not hang under that write's span.
        Activity.Current = null;
        while (_pending.Count > 0)
        {
            var batch = _pending.ToArray();
            _pending.Clear();
            var group = _group!;
            var now = Now;
            var commit = Merge(batch, group.Version, now);
            using var activity = ControlPlaneTracing.StartCommit(GroupId, commit.ExpectedVersion + 1, commit.NewVersion, batch.Length, batch.Select(w => w.Trace));
            try
            {
                await store.CommitAsync(commit, CancellationToken.None);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
                var outcome = e is GroupVersionConflictException ? CommitOutcome.Conflict : CommitOutcome.Unavailable;
                var failed = batch.Concat(_pending).ToList();
                _pending.Clear();
                var reload = ReloadAfterFailureAsync(e, commit);
                _barrier = Task.WhenAll(_barrier, reload);
                foreach (var write in failed)
                {
                    write.Done.TrySetResult(outcome);
                }
                await reload;
                return;
            }
            _group = group with { Version = commit.NewVersion, UpdateTime = now };
            _changes.Append(commit.Changes);
            PruneHistoryAfter(commit.ExpectedVersion, commit.NewVersion);
            metrics.GroupVersion(GroupId, commit.NewVersion);
            activity?.Dispose();
            foreach (var write in batch)
            {
                write.Done.TrySetResult(CommitOutcome.Committed);
            }
            // One push for the whole batch: the delta from the committed version to the batch's last.
            var delta = new ChangeSet(GroupId, commit.ExpectedVersion, commit.NewVersion, false, commit.Upserts, commit.Deletes, false);
            Publish(commit.NewVersion, commit.ExpectedVersion, reset: false, batch[^1].Trace, delta);
        }
    }

    /// <summary>One commit for a batch: the last write of each resource wins; every version keeps its change entry.</summary>
    private GroupCommit Merge(PendingWrite[] batch, long committed, long now)
    {
        var rows = new Dictionary<ResourceKey, StoredResource?>();
        foreach (var write in batch)
        {
            rows[write.Key] = write.Upsert;
        }
        var upserts = rows.Values.OfType<StoredResource>().ToList();
        var deletes = rows.Where(r => r.Value is null).Select(r => r.Key).ToList();
        var to = batch[^1].Version;
        return new GroupCommit(GroupId, committed, to, now, upserts, deletes, batch.Select(w => w.Change).ToList(), false, null, PruneBefore(committed, to),
            batch.Select(w => w.Audit).ToList(), batch.Select(w => w.History).ToList());
    }

    private async Task ReloadAfterFailureAsync(Exception error, GroupCommit commit)
    {
        if (error is GroupVersionConflictException)
        {
            logger.LogWarning("Gateway group {Group} changed under this activation (expected version {Version}); reloading", GroupId, commit.ExpectedVersion);
        }
        else
        {
            logger.LogError(error, "Could not commit versions {From}-{To} of gateway group {Group}; reloading from the store", commit.ExpectedVersion + 1, commit.NewVersion, GroupId);
        }
        try
        {
            await LoadAsync(CancellationToken.None);
        }
        catch (Exception reload) when (reload is not OutOfMemoryException)
        {
            logger.LogError(reload, "Could not reload gateway group {Group}; deactivating", GroupId);
            _group = null;
            DeactivateOnIdle();
        }
    }

    /// <summary>
    /// Runs a whole-group operation (bulk replace, config, create, delete) alone: queued writes commit first and new
    /// ones wait until it is done.
    /// </summary>
    private async Task<T> ExclusiveAsync<T>(Func<Task<T>> operation)
    {
        await WaitForBarrierAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _barrier = gate.Task;
        try
        {
            if (_flushing is { IsCompleted: false } flushing)
            {
                await flushing;
            }
            return await operation();
        }
        finally
        {
            gate.SetResult();
        }
    }
}

/// <summary>How a commit ended.</summary>
internal enum CommitOutcome
{
    Committed,
    Conflict,
    Unavailable,
}
