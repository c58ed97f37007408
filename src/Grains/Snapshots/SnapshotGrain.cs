using Microsoft.Extensions.Logging;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Snapshots;
using OrleansGateway.Grains.Observability;
using OrleansGateway.Snapshots;
using OrleansGateway.Snapshots.Stores;

namespace OrleansGateway.Grains.Snapshots;

/// <summary>
/// Snapshots one gateway group to the two buckets on schedule. The reminder survives silo death (the duty moves to
/// a surviving silo); the timer keeps the real schedule, down to seconds. Nothing here can affect the group's own
/// grain or the Admin API: a failing store only delays snapshots, retried with backoff.
/// </summary>
public sealed class SnapshotGrain(
    SnapshotWriter writer,
    SnapshotSchedule schedule,
    ILogger<SnapshotGrain> logger,
    TimeProvider time,
    ILocalSiloDetails silo,
    ControlPlaneMetrics metrics) : Grain, ISnapshotGrain, IRemindable
{
    private const string ReminderName = "snapshot";
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(1);

    private IGrainTimer? _timer;
    private SnapshotStatus _status = new();
    private long? _uploadedVersion;
    private bool _lastKnownFromStore;

    private string Group => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _status = new SnapshotStatus
        {
            Group = Group,
            ResourceLocation = writer.Store.Describe(writer.Layout.ResourceBucket),
            ConfigLocation = writer.Store.Describe(writer.Layout.ConfigBucket),
            Silo = silo.SiloAddress.ToString(),
        };
        var first = schedule.Schedule.Next(time.GetUtcNow(), Group);
        _timer = this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(Until(first), Timeout.InfiniteTimeSpan) { KeepAlive = true });
        _status = _status with { NextAttemptAt = first };
        return Task.CompletedTask;
    }

    public async Task Ensure() =>
        await this.RegisterOrUpdateReminder(ReminderName, schedule.ReminderPeriod, schedule.ReminderPeriod);

    public async Task Disable()
    {
        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
        _timer?.Dispose();
        metrics.SnapshotsStopped(Group);
        DeactivateOnIdle();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        metrics.SnapshotsStopped(Group);
        return Task.CompletedTask;
    }

    public Task<SnapshotStatus> GetStatus() => Task.FromResult(_status);

    public Task<SnapshotStatus> TakeNow(bool force) => RunAsync(force);

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // The activation (on whatever silo now owns this grain) armed the timer; catch up if a run is overdue.
        return _status.NextAttemptAt is { } next && next <= time.GetUtcNow() ? RunAsync(force: false) : Task.CompletedTask;
    }

    private async Task TickAsync(CancellationToken cancellationToken) => await RunAsync(force: false);

    private async Task<SnapshotStatus> RunAsync(bool force)
    {
        var now = time.GetUtcNow();
        var started = time.GetTimestamp();
        using var activity = ControlPlaneTracing.StartSnapshot(Group, force);
        try
        {
            var group = GrainFactory.GetGrain<IGatewayGroupGrain>(Group);
            var info = (await group.GetInfo()).Group;
            if (info is null)
            {
                logger.LogInformation("Gateway group {Group} no longer exists; stopping its snapshots", Group);
                await Disable();
                return _status;
            }
            await LearnUploadedVersionAsync();
            // Unchanged: known from the version alone, without exporting the group (13 MB for 100,000 routes).
            var export = !force && info.Version == _uploadedVersion ? null : await group.Export();
            var version = export?.Version ?? info.Version;
            if (export is null || (!force && export.Version == _uploadedVersion))
            {
                Succeeded("unchanged", version, _status.LastSuccessAt ?? now);
                metrics.SnapshotSucceeded(Group, now, uploadDuration: null);
            }
            else
            {
                var (resources, _) = await writer.WriteAsync(export, CancellationToken.None);
                _uploadedVersion = export.Version;
                Groups.HeapTrim.After(export.Resources.Count, "a snapshot", logger);
                var elapsed = time.GetElapsedTime(started);
                logger.LogInformation("Snapshot of gateway group {Group} at version {Version}: {Size} bytes in {Ms} ms to {Location}",
                    Group, export.Version, resources.Size, (long)elapsed.TotalMilliseconds, _status.ResourceLocation);
                Succeeded("uploaded", export.Version, resources.CreatedAt);
                metrics.SnapshotSucceeded(Group, resources.CreatedAt, elapsed);
            }
            activity?.SetTag("og.version", version);
            activity?.SetTag("og.outcome", _status.LastOutcome);
        }
        catch (Exception e) when (e is SnapshotStoreException or SnapshotRejectedException or TimeoutException or OrleansException)
        {
            Failed(e);
            metrics.SnapshotFailed(Group, _status.LastFailureKind ?? "unknown", time.GetElapsedTime(started));
            activity?.SetTag("og.outcome", "failed");
            activity?.SetTag("og.failure_kind", _status.LastFailureKind);
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, _status.LastFailureKind);
        }
        Rearm();
        return _status;
    }

    /// <summary>After a (re)activation, the store's latest manifest says what is already uploaded.</summary>
    private async Task LearnUploadedVersionAsync()
    {
        if (_lastKnownFromStore)
        {
            return;
        }
        SnapshotManifest? latest;
        try
        {
            latest = await writer.ReadLatestAsync(Group, SnapshotLayout.Resources, CancellationToken.None);
        }
        catch (SnapshotRejectedException e)
        {
            logger.LogWarning("The latest snapshot manifest of gateway group {Group} is unreadable ({Message}); it will be replaced", Group, e.Message);
            latest = null;
        }
        _uploadedVersion = latest?.Version;
        _status = _status with { LastVersion = latest?.Version, LastSuccessAt = latest?.CreatedAt };
        _lastKnownFromStore = true;
    }

    private void Succeeded(string outcome, long version, DateTimeOffset at)
    {
        if (_status.ConsecutiveFailures > 0)
        {
            logger.LogInformation("Snapshots of gateway group {Group} work again after {Failures} failed attempts", Group, _status.ConsecutiveFailures);
        }
        _status = _status with { LastOutcome = outcome, LastVersion = version, LastSuccessAt = at, ConsecutiveFailures = 0 };
    }

    private void Failed(Exception e)
    {
        var kind = e switch
        {
            SnapshotStoreException s => s.Kind,
            SnapshotRejectedException => "unreadable",
            _ => "control_plane",
        };
        var failures = _status.ConsecutiveFailures + 1;
        // One line per failure kind, then a reminder every 10th attempt: enough to act on, not a flood.
        if (kind != _status.LastFailureKind || failures % 10 == 1)
        {
            logger.LogWarning("Snapshot of gateway group {Group} failed ({Kind}, attempt {Attempt}): {Message}", Group, kind, failures, e.Message);
        }
        _status = _status with
        {
            LastOutcome = "failed",
            LastFailureAt = time.GetUtcNow(),
            LastFailureKind = kind,
            LastFailureMessage = e.Message,
            ConsecutiveFailures = failures,
        };
    }

    private void Rearm()
    {
        var now = time.GetUtcNow();
        var next = schedule.Schedule.Next(now, Group);
        if (_status.ConsecutiveFailures > 0)
        {
            // Retry sooner than the schedule when it is long, with exponential backoff up to a minute.
            var backoff = TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(_status.ConsecutiveFailures, 10))));
            next = now + backoff < next ? now + backoff : next;
        }
        _status = _status with { NextAttemptAt = next };
        _timer?.Change(Until(next), Timeout.InfiniteTimeSpan);
    }

    public async Task<AdminResult> Restore(long version)
    {
        try
        {
            var resources = await writer.ReadVersionAsync(Group, SnapshotLayout.Resources, version, CancellationToken.None);
            var config = await writer.ReadVersionAsync(Group, SnapshotLayout.Config, version, CancellationToken.None);
            if (resources is null || config is null)
            {
                return AdminResult.Fail(404, $"snapshot version {version} of gateway group \"{Group}\" is not retained in {_status.ResourceLocation}");
            }
            var result = await GrainFactory.GetGrain<IGatewayGroupGrain>(Group).Restore(resources.DataJson, config.DataJson, version);
            if (result.Error is null)
            {
                await RunAsync(force: false); // the restored state is the newest version: snapshot it now
            }
            return result;
        }
        catch (SnapshotRejectedException e)
        {
            return AdminResult.Fail(422, $"snapshot version {version} was refused: {e.Message}");
        }
        catch (SnapshotStoreException e)
        {
            return AdminResult.Fail(503, $"the snapshot store cannot be read ({e.Kind}): {e.Message}");
        }
    }

    private TimeSpan Until(DateTimeOffset at)
    {
        var wait = at - time.GetUtcNow();
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }
}
