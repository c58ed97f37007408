using OrleansGateway.Contracts.Security;
using System.Collections.Concurrent;
using OrleansGateway.Configuration;
using OrleansGateway.Contracts.Feed;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.DataPlane.Observability;
using OrleansGateway.DataPlane.Proxy;

namespace OrleansGateway.DataPlane.Sources;

/// <summary>
/// The one place that decides where the data plane's configuration comes from (ARCHITECTURE.md's state machine):
/// <list type="bullet">
/// <item><c>cache</c>: at start, the local cache is served at once, if there is one;</item>
/// <item><c>control_plane</c>: connected to the silo cluster as an Orleans client: registered with the silo it is
/// connected through by a heartbeat every <see cref="HeartbeatInterval"/>, then a full load (or the changes since the
/// cached version); after that the silo pushes every commit, with the change itself when small: one that continues
/// the served version is applied without a call, any other makes the data plane ask for the changes since its
/// version. The heartbeat's answer is the newest version the silo knows, so a missed push costs at most one
/// interval;</item>
/// <item><c>fallback</c>: the control plane has been unreachable for <c>fallback_after</c>: poll the fallback store
/// every <c>poll_interval</c> while still trying the control plane; when it answers, reload from it and stop polling;</item>
/// <item><c>standalone</c> (<c>role_data_plane.config_provider: yaml</c>, the seed's manual mode): never contacts a
/// control plane, polls the fallback store only.</item>
/// </list>
/// Every transition goes through <see cref="ProxyConfigHolder.TryApply"/>: only a strictly newer version replaces
/// the served one, atomically, so no request is dropped by a switch.
/// </summary>
public sealed class ConfigSourceSupervisor(
    GatewayConfig config,
    ProxyConfigHolder holder,
    DataPlaneStatus status,
    LocalConfigCache cache,
    FallbackSnapshotPoller poller,
    ControlPlaneLinkFactory connect,
    ILogger<ConfigSourceSupervisor> logger,
    TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan HeartbeatInterval = FeedTiming.HeartbeatInterval;

    /// <summary>How long to wait before trying silos again that belong to another service (a configuration fault).</summary>
    public static readonly TimeSpan MismatchBackoff = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(3);

    /// <summary>How long a push that leaves a gap waits for the push before it.</summary>
    private static readonly TimeSpan GapWait = TimeSpan.FromMilliseconds(100);

    private readonly string _instanceId = $"{Environment.MachineName}-{Guid.NewGuid():N}"[..Math.Min(64, Environment.MachineName.Length + 13)];
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly DataPlaneTracing _tracing = new();
    private IControlPlaneLink? _connection;
    private DateTimeOffset _lastContact;
    private DateTimeOffset _lastPoll = DateTimeOffset.MinValue;
    private readonly ConcurrentQueue<GroupChanged> _pushes = new();
    private DateTimeOffset _nextHeartbeat;
    private volatile bool _heartbeatNow;

    /// <summary>Pushes received but not applied yet, by the version they start from (the supervisor's loop only).</summary>
    private readonly SortedList<long, GroupChanged> _held = [];
    private DateTimeOffset _gapSince = DateTimeOffset.MinValue;
    private DateTimeOffset _lastErrorLog = DateTimeOffset.MinValue;
    private string? _lastErrorKind;
    private string? _lastLoadError;
    private DateTimeOffset _nextConnectAttempt = DateTimeOffset.MinValue;

    private string Group => config.GatewayGroupId;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LoadCache();
        _lastContact = time.GetUtcNow();
        try
        {
            if (config.ConfigProvider == "yaml")
            {
                await RunStandaloneAsync(stoppingToken);
            }
            else
            {
                await RunFollowingControlPlaneAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (_connection is not null)
            {
                await _connection.DisposeAsync();
            }
        }
    }

    private async Task RunStandaloneAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Data plane for group {Group} in standalone mode: polling the fallback store every {Interval}", Group, config.FallbackCp.PollInterval);
        while (!stoppingToken.IsCancellationRequested)
        {
            await PollFallbackAsync("standalone", stoppingToken);
            await Task.Delay(config.FallbackCp.PollInterval, time, stoppingToken);
        }
    }

    private async Task RunFollowingControlPlaneAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Data plane for group {Group} following the control plane at {Gateways}; fallback after {After}",
            Group, config.Orleans.Gateways.Count > 0 ? string.Join(", ", config.Orleans.Gateways) : $"127.0.0.1:{config.Orleans.GatewayPort}", config.FallbackCp.FallbackAfter);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (_connection is null)
            {
                if (time.GetUtcNow() >= _nextConnectAttempt)
                {
                    await TryConnectAsync(stoppingToken);
                }
            }
            else if (_heartbeatNow || time.GetUtcNow() >= _nextHeartbeat)
            {
                _heartbeatNow = false;
                _nextHeartbeat = time.GetUtcNow() + HeartbeatInterval;
                if (!await HeartbeatAsync())
                {
                    await DisconnectAsync("the heartbeat failed");
                }
            }
            var now = time.GetUtcNow();
            if (_connection is null && now - _lastContact >= config.FallbackCp.FallbackAfter && now - _lastPoll >= config.FallbackCp.PollInterval)
            {
                if (status.Mode != "fallback")
                {
                    logger.LogWarning("Control plane unreachable for {Seconds:F0} s: falling back to the snapshot store for group {Group} (serving version {Version})",
                        (now - _lastContact).TotalSeconds, Group, holder.Current.Version);
                }
                await PollFallbackAsync("fallback", stoppingToken);
                _lastPoll = now;
            }
            // Sleep until the next heartbeat, or until a push arrives or the connection is lost.
            var sleep = _connection is null ? TimeSpan.FromSeconds(1) : _nextHeartbeat - time.GetUtcNow();
            await _wake.WaitAsync(sleep > TimeSpan.Zero ? sleep : TimeSpan.Zero, stoppingToken);
            if (_connection is not null)
            {
                await ApplyPushesAsync();
            }
            else
            {
                _pushes.Clear();
                _held.Clear();
            }
        }
    }

    private async Task TryConnectAsync(CancellationToken stoppingToken)
    {
        IControlPlaneLink? connection = null;
        var connecting = connect(CallTimeout, stoppingToken);
        try
        {
            // A hard bound: while the CP is down, an attempt must not hold up fallback polling.
            connection = await connecting.WaitAsync(CallTimeout, stoppingToken);
            connection.Follow(Group, OnChangeAsync);
            connection.ConnectionLost += OnConnectionLost;
            // Registered before the load: a commit after the load is pushed, one before it is in the load.
            await connection.HeartbeatAsync(Heartbeat()).WaitAsync(CallTimeout, stoppingToken);
            _connection = connection;
            _nextHeartbeat = time.GetUtcNow() + HeartbeatInterval;
            if (!await ReloadAsync("connect", quiet: true))
            {
                await DisconnectAsync(why: null);
                ReportConnectFailure(new ControlPlaneLoadException(_lastLoadError ?? "the first load failed"));
                return;
            }
            var was = status.Mode;
            status.SetControlPlaneError(null);
            _lastErrorKind = null;
            status.SetMode("control_plane", controlPlaneConnected: true);
            _lastContact = time.GetUtcNow();
            logger.LogInformation("Connected to the control plane (was {Was}): serving group {Group} version {Version}, subscribed to its changes; fallback polling stopped",
                was, Group, holder.Current.Version);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            if (connection is not null && _connection is null)
            {
                await connection.DisposeAsync();
            }
            else if (connection is null)
            {
                // An attempt that outlived its bound may still connect later: discard it when it does.
                _ = connecting.ContinueWith(t => t.Result.DisposeAsync().AsTask(), TaskContinuationOptions.OnlyOnRanToCompletion);
            }
            ReportConnectFailure(e);
        }
    }

    /// <summary>
    /// Says why the control plane could not be used: in <c>/status</c> always; in the log when the kind of failure
    /// changes and at most once a minute while it lasts — an error for silos of another service (a configuration
    /// fault: attempts then wait <see cref="MismatchBackoff"/>), a warning otherwise once the data plane is past its
    /// start (so that one started before its control plane does not warn).
    /// </summary>
    private void ReportConnectFailure(Exception e)
    {
        var timedOut = e is TimeoutException or OperationCanceledException;
        var why = e switch
        {
            ControlPlaneMismatchException or ControlPlaneLoadException => e.Message,
            _ when timedOut => "no answer within " + CallTimeout.TotalSeconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture) + " s",
            _ => Describe(e),
        };
        var kind = e is ControlPlaneMismatchException or ControlPlaneLoadException ? e.GetType().Name : timedOut ? "timeout" : e.GetBaseException().GetType().Name;
        var now = time.GetUtcNow();
        status.SetControlPlaneError(why);
        if (e is ControlPlaneMismatchException)
        {
            _nextConnectAttempt = now + MismatchBackoff;
        }
        var quiet = e is not ControlPlaneMismatchException && status.Mode is "empty" or "cache";
        if (quiet)
        {
            logger.LogDebug(e, "Control plane not reachable yet");
            return;
        }
        if (kind == _lastErrorKind && now - _lastErrorLog < TimeSpan.FromMinutes(1))
        {
            return;
        }
        _lastErrorKind = kind;
        _lastErrorLog = now;
        if (e is ControlPlaneMismatchException)
        {
            logger.LogError("Refusing the control plane: {Why}; next attempt in {Backoff}", why, MismatchBackoff);
        }
        else
        {
            logger.LogWarning("Control plane not usable: {Why}", why);
        }
    }

    /// <summary>The exception and its inner ones, one message each: Orleans says what went wrong in the inner one.</summary>
    private string Describe(Exception e)
    {
        var parts = new List<string>();
        for (var x = e; x is not null && parts.Count < 4; x = x.InnerException)
        {
            var part = $"{x.GetType().Name}: {x.Message}";
            if (!parts.Contains(part))
            {
                parts.Add(part);
            }
        }
        var text = string.Join(" <- ", parts);
        // A gateway closes the connection of a client that names another cluster_id, or whose certificate it refuses,
        // and Orleans says no more; a silo that is shutting down does the same.
        var closed = e.GetBaseException() is Microsoft.AspNetCore.Connections.ConnectionAbortedException or InvalidOperationException { Message: "Connection terminated prematurely" };
        if (!closed)
        {
            return text;
        }
        return config.Certs is null
            ? text + " (the silo closed the connection: it was stopping, deployment.orleans.cluster_id is not the silos', or the silos require mutual TLS and this data plane has no deployment.certs)"
            : text + $" (the silo closed the connection: it was stopping, deployment.orleans.cluster_id is not the silos', or it refused this data plane's certificate — another CA, expired, or not for group '{config.GatewayGroupId}': the silo's log names the reason)";
    }

    /// <summary>Orleans lost a gateway connection: heartbeat now rather than at the next interval (it fails fast if none is left).</summary>
    private void OnConnectionLost()
    {
        _heartbeatNow = true;
        _wake.Release();
    }

    /// <summary>A push from the silo (on an Orleans thread): queued for the supervisor's loop, which applies in order.</summary>
    private Task OnChangeAsync(GroupChanged change)
    {
        if (change.Version > holder.Current.Version)
        {
            _pushes.Enqueue(change);
            _wake.Release();
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Applies the queued pushes in version order: a delta that starts at or before the served version (and ends
    /// after it) directly, with no call. Orleans may deliver two pushes out of order, so a push that leaves a gap
    /// waits up to <see cref="GapWait"/> for the one before it; a hint, a reset or a gap that stays makes the data
    /// plane ask for the changes since its version.
    /// </summary>
    private async Task ApplyPushesAsync()
    {
        while (_pushes.TryDequeue(out var change))
        {
            if (change.Version <= holder.Current.Version)
            {
                continue;
            }
            _tracing.Remember(change);
            if (!_held.TryGetValue(change.PreviousVersion, out var same) || same.Version < change.Version)
            {
                _held[change.PreviousVersion] = change;
            }
        }
        var fetch = false;
        while (_held.Count > 0)
        {
            var current = holder.Current;
            var next = _held.Values[0];
            if (next.Version <= current.Version)
            {
                _held.RemoveAt(0);
                continue;
            }
            if (next.PreviousVersion > current.Version)
            {
                break; // a gap: the push before it may still arrive
            }
            _held.RemoveAt(0);
            if (next.Delta is { ResetRequired: false } delta && delta.FromVersion <= current.Version && current.Source != "empty" && ApplyPushed(delta))
            {
                continue;
            }
            fetch = true;
            break;
        }
        if (!fetch && _held.Count > 0)
        {
            var now = time.GetUtcNow();
            if (_gapSince == DateTimeOffset.MinValue)
            {
                _gapSince = now;
            }
            var waited = now - _gapSince;
            if (waited >= GapWait)
            {
                fetch = true;
            }
            else
            {
                _ = Task.Delay(GapWait - waited, time).ContinueWith(_ => _wake.Release(), TaskScheduler.Default);
            }
        }
        else
        {
            _gapSince = DateTimeOffset.MinValue;
        }
        if (fetch)
        {
            _held.Clear();
            _gapSince = DateTimeOffset.MinValue;
            await ReloadAsync("a change hint");
        }
    }

    private bool ApplyPushed(ChangeSet delta)
    {
        if (delta.ConfigChanged)
        {
            return false; // a new instance configuration (keyring) comes only with a full load: ask for one
        }
        var current = holder.Current;
        using var activity = _tracing.StartApply(Group, "control_plane", "a push", current.Version);
        try
        {
            // A delta holds each changed resource's latest state, so one that starts before the served version takes
            // it to the delta's end as well: say so, and the cache journals it as a continuation.
            if (delta.FromVersion < current.Version)
            {
                delta = delta with { FromVersion = current.Version };
            }
            var applied = Serve(current.WithChanges(delta, "control_plane", time.GetUtcNow(), time), activity, "a push", "changes");
            Contacted();
            return applied;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            DataPlaneTracing.Finish(activity, null, failed: true);
            logger.LogWarning(e, "Could not apply a pushed change of group {Group} to version {Version}; asking the control plane instead", Group, delta.ToVersion);
            return false;
        }
    }

    /// <summary>Serves <paramref name="next"/> from the control plane when it is newer, ends the apply's span, logs it.</summary>
    private bool Serve(ProxyConfig? next, System.Diagnostics.Activity? activity, string why, string kind)
    {
        var applied = next is not null && holder.TryApply(next);
        DataPlaneTracing.Finish(activity, applied ? next!.Version : null);
        if (applied)
        {
            logger.LogInformation("Applied group {Group} version {Version} from the control plane after {Why} ({Kind}, {Routes} routes)",
                Group, next!.Version, why, kind, next.Routes.Count);
        }
        return applied;
    }

    /// <summary>The control plane answered: the served configuration is confirmed current as of now.</summary>
    private void Contacted()
    {
        _lastContact = time.GetUtcNow();
        status.Synced(_lastContact);
    }

    private DataPlaneHeartbeat Heartbeat() => new(_instanceId, Environment.MachineName, holder.Current.Version, status.Mode, _startedAt);

    /// <summary>The heartbeat registers this data plane and learns the group's version; false when the CP did not answer.</summary>
    private async Task<bool> HeartbeatAsync()
    {
        try
        {
            var version = await _connection!.HeartbeatAsync(Heartbeat()).WaitAsync(CallTimeout);
            _lastContact = time.GetUtcNow();
            if (version > holder.Current.Version)
            {
                // Usually a push on its way: treat it as a hint, which waits briefly for the push before asking.
                _pushes.Enqueue(new GroupChanged(Group, version, version, false));
                _wake.Release();
            }
            else
            {
                status.Synced(_lastContact);
            }
            return true;
        }
        catch (Exception e) when (e is TimeoutException or OrleansException or InvalidOperationException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Brings the served configuration up to the control plane's: the changes since the served version when the
    /// group's change log still covers it (cost ∝ the change), else the whole group.
    /// </summary>
    /// <param name="quiet">Leave the failure to the caller (kept in <c>_lastLoadError</c>) instead of logging it.</param>
    private async Task<bool> ReloadAsync(string why, bool quiet = false)
    {
        using var activity = _tracing.StartApply(Group, "control_plane", why, holder.Current.Version);
        try
        {
            var grain = _connection!.Grains.GetGrain<IGatewayGroupGrain>(Group);
            var current = holder.Current;
            ProxyConfig? next = null;
            long cpVersion;
            var changes = current.Source == "empty" ? null : await grain.GetChangesSince(current.Version).WaitAsync(CallTimeout);
            if (changes is { ResetRequired: false, ConfigChanged: false })
            {
                cpVersion = changes.ToVersion;
                if (changes.ToVersion > current.Version)
                {
                    next = current.WithChanges(changes, "control_plane", time.GetUtcNow(), time);
                }
            }
            else
            {
                var export = await grain.Export().WaitAsync(CallTimeout * 4);
                cpVersion = export.Version;
                if (export.Version > current.Version || current.Source == "empty")
                {
                    next = ProxyConfig.Build(ResourceSet.FromExport(export), "control_plane", time.GetUtcNow(), time, previous: current);
                }
            }
            var applied = Serve(next, activity, why, changes is { ResetRequired: false, ConfigChanged: false } ? "changes" : "full load");
            status.SetApplyError(null);
            if (!applied && cpVersion < current.Version)
            {
                logger.LogWarning("The control plane has group {Group} at version {CpVersion}, older than the served {Version}; keeping the served one",
                    Group, cpVersion, current.Version);
            }
            Contacted();
            return true;
        }
        catch (Exception e) when (e is TimeoutException or OrleansException or InvalidOperationException or ObjectDisposedException)
        {
            DataPlaneTracing.Finish(activity, null, failed: true);
            _lastLoadError = $"could not load group {Group}: {e.GetType().Name}: {e.Message}";
            if (e is FieldDecryptionException)
            {
                status.SetApplyError($"version from the control plane refused: {e.Message}");
            }
            if (!quiet)
            {
                logger.LogWarning("Could not load group {Group} from the control plane: {Message}", Group, e.Message);
            }
            return false;
        }
    }

    /// <param name="why">For the log; null when the connection never counted as made (a failed first load).</param>
    private async Task DisconnectAsync(string? why)
    {
        if (why is not null)
        {
            logger.LogWarning("Lost the control plane ({Why}); serving group {Group} version {Version}, reconnecting", why, Group, holder.Current.Version);
        }
        status.SetMode(status.Mode, controlPlaneConnected: false);
        var connection = _connection;
        _connection = null;
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }
    }

    private async Task PollFallbackAsync(string mode, CancellationToken stoppingToken)
    {
        try
        {
            await poller.PollOnceAsync(stoppingToken);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogError(e, "Fallback poll failed unexpectedly; still serving version {Version}", holder.Current.Version);
        }
        if (holder.Current.Source != "cache" || status.LastPollResult == "newer" || mode == "fallback")
        {
            status.SetMode(mode, controlPlaneConnected: false);
        }
    }

    private void LoadCache()
    {
        var cached = cache.TryRead(time.GetUtcNow(), out var problem);
        if (problem is not null)
        {
            logger.LogWarning("Ignoring the local configuration cache: {Problem}", problem);
        }
        if (cached is not null && holder.TryApply(cached))
        {
            status.SetMode("cache", controlPlaneConnected: false);
            logger.LogInformation("Serving cached configuration version {Version} of group {Group} ({Routes} routes) from {Path}",
                cached.Version, Group, cached.Routes.Count, cache.Path);
        }
    }
}

/// <summary>The control plane answered but the group could not be loaded from it.</summary>
public sealed class ControlPlaneLoadException(string message) : Exception(message);
