using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using OrleansGateway.Contracts.Feed;
using OrleansGateway.Contracts.Grains;

namespace OrleansGateway.Grains.Feed;

/// <summary>
/// One per silo: the data planes connected through this silo's gateway, per group. It pushes each commit of a group
/// to them (one one-way message per data plane, over the connection it already has to this silo; the group's grain
/// computed and serialized the change once), answers their heartbeats with the newest version it knows, and reports
/// to each group's registry what changed among its followers at most once a second and at least every
/// <see cref="FeedTiming.ReportInterval"/> while it has any. A follower that stops heartbeating for
/// <see cref="FeedTiming.FollowerExpiry"/> gets no more pushes.
/// </summary>
public sealed class FollowerHub : IDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<string, GroupFollowers> _groups = new(StringComparer.Ordinal);
    private readonly IGrainFactory _grains;
    private readonly TimeProvider _time;
    private readonly ILogger<FollowerHub> _logger;
    private readonly string _silo;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _due = new(0);

    public FollowerHub(IGrainFactory grains, TimeProvider time, ILocalSiloDetails silo, ILogger<FollowerHub> logger)
    {
        _grains = grains;
        _time = time;
        _logger = logger;
        // The address names the silo's incarnation (its generation): a restarted silo reports as a new one.
        _silo = silo.SiloAddress.ToString();
        // Out of any grain's scheduler: the loop's calls are the silo's own. With no followers a tick does nothing.
        _ = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>Registers or refreshes a follower; returns the newest version of the group this silo knows (-1: none yet).</summary>
    public long Heartbeat(string group, IGroupFollower follower, DataPlaneHeartbeat heartbeat)
    {
        GroupFollowers followers;
        bool first;
        while (true)
        {
            followers = _groups.GetOrAdd(group, g => new GroupFollowers(g));
            lock (followers)
            {
                if (followers.Retired)
                {
                    continue; // dropped by the report loop just now: take the fresh entry
                }
                first = followers.Upsert(follower, heartbeat, _time.GetUtcNow());
                break;
            }
        }
        if (first)
        {
            _due.Release(); // a new follower: report it (and learn the group's version) now rather than at the next tick
        }
        return Interlocked.Read(ref followers.KnownVersion);
    }

    public void Leave(string group, IGroupFollower follower, string instanceId)
    {
        if (_groups.TryGetValue(group, out var followers))
        {
            lock (followers)
            {
                followers.Leave(follower, instanceId);
            }
        }
    }

    /// <summary>Pushes one commit to every follower of its group on this silo.</summary>
    public void Publish(GroupChanged change)
    {
        if (!_groups.TryGetValue(change.Group, out var followers))
        {
            return;
        }
        VersionCounter.RaiseTo(ref followers.KnownVersion, change.Version);
        Follower[] targets;
        lock (followers)
        {
            targets = followers.Targets;
        }
        foreach (var target in targets)
        {
            try
            {
                _ = target.Observer.OnChanged(change); // one-way: completes at once
            }
            catch (Exception e)
            {
                _logger.LogDebug(e, "Could not push version {Version} of group {Group} to data plane {Instance}", change.Version, change.Group, target.Last.InstanceId);
            }
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await _due.WaitAsync(Tick, stop);
                await ReportDueAsync();
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "Reporting data planes to the registry failed");
            }
        }
    }

    /// <summary>Expires silent followers, then reports every group whose followers changed or whose keepalive is due.</summary>
    internal async Task ReportDueAsync()
    {
        var now = _time.GetUtcNow();
        var reports = new List<Task>();
        foreach (var (group, followers) in _groups)
        {
            FollowerReport? report;
            lock (followers)
            {
                followers.Expire(now, FeedTiming.FollowerExpiry);
                report = followers.NextReport(now, _silo);
                if (report is null && followers.Idle)
                {
                    followers.Retired = true;
                    _groups.TryRemove(new KeyValuePair<string, GroupFollowers>(group, followers));
                }
            }
            if (report is not null)
            {
                reports.Add(SendAsync(followers, report));
            }
        }
        await Task.WhenAll(reports);
    }

    private async Task SendAsync(GroupFollowers followers, FollowerReport report)
    {
        var registry = _grains.GetGrain<IDataPlaneRegistryGrain>(followers.Group);
        try
        {
            var ack = await registry.Report(report);
            if (ack.SendFull)
            {
                lock (followers)
                {
                    report = followers.FullReport(_silo, _time.GetUtcNow());
                }
                ack = await registry.Report(report);
            }
            VersionCounter.RaiseTo(ref followers.KnownVersion, ack.GroupVersion);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or InvalidOperationException)
        {
            lock (followers)
            {
                followers.ReportFailed();
            }
            _logger.LogDebug(e, "Could not report the data planes of group {Group}; a full report follows", followers.Group);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    internal sealed class Follower(IGroupFollower observer, DataPlaneHeartbeat last, DateTimeOffset seen)
    {
        public IGroupFollower Observer { get; set; } = observer;
        public DataPlaneHeartbeat Last { get; set; } = last;
        public DateTimeOffset Seen { get; set; } = seen;
    }

    /// <summary>The followers of one group on this silo, and what the registry has not heard yet. Guarded by its own lock.</summary>
    internal sealed class GroupFollowers(string group)
    {
        private readonly Dictionary<string, Follower> _byId = new(StringComparer.Ordinal);
        private readonly HashSet<string> _changed = new(StringComparer.Ordinal);
        private readonly Dictionary<string, TimeSpan> _removed = new(StringComparer.Ordinal);
        private long _sequence;
        private bool _full = true;
        private DateTimeOffset _lastReport = DateTimeOffset.MinValue;

        public string Group { get; } = group;

        /// <summary>The newest group version this silo has pushed or heard from the registry.</summary>
        public long KnownVersion = -1;

        /// <summary>The followers to push to: replaced (never mutated) when the set changes.</summary>
        public Follower[] Targets { get; private set; } = [];

        /// <summary>Dropped from the hub (idle): a heartbeat that still holds it takes a fresh entry.</summary>
        public bool Retired { get; set; }

        /// <summary>No followers and nothing left to tell the registry.</summary>
        public bool Idle => _byId.Count == 0 && _removed.Count == 0 && !_full;

        /// <summary>True when this is the group's first follower on the silo.</summary>
        public bool Upsert(IGroupFollower observer, DataPlaneHeartbeat heartbeat, DateTimeOffset now)
        {
            var first = _byId.Count == 0;
            if (_byId.TryGetValue(heartbeat.InstanceId, out var follower))
            {
                if (follower.Last != heartbeat)
                {
                    _changed.Add(heartbeat.InstanceId);
                }
                follower.Last = heartbeat;
                follower.Seen = now;
                if (!follower.Observer.Equals(observer))
                {
                    follower.Observer = observer; // the data plane reconnected with a new receiver
                    Targets = [.. _byId.Values];
                }
                return false;
            }
            _byId[heartbeat.InstanceId] = new Follower(observer, heartbeat, now);
            _removed.Remove(heartbeat.InstanceId);
            _changed.Add(heartbeat.InstanceId);
            Targets = [.. _byId.Values];
            return first;
        }

        /// <summary>Removes the follower if <paramref name="observer"/> is its receiver.</summary>
        public void Leave(IGroupFollower observer, string instanceId)
        {
            if (_byId.TryGetValue(instanceId, out var follower) && follower.Observer.Equals(observer))
            {
                Remove(instanceId, TimeSpan.Zero);
            }
        }

        public void Remove(string instanceId, TimeSpan silentFor)
        {
            if (_byId.Remove(instanceId))
            {
                _changed.Remove(instanceId);
                _removed[instanceId] = silentFor;
                Targets = [.. _byId.Values];
            }
        }

        public void Expire(DateTimeOffset now, TimeSpan expiry)
        {
            List<(string Id, TimeSpan Silent)>? expired = null;
            foreach (var (id, follower) in _byId)
            {
                if (now - follower.Seen > expiry)
                {
                    (expired ??= []).Add((id, now - follower.Seen));
                }
            }
            foreach (var (id, silent) in expired ?? [])
            {
                Remove(id, silent);
            }
        }

        /// <summary>The report due now, or null: changes at most once a tick, a keepalive every report interval.</summary>
        public FollowerReport? NextReport(DateTimeOffset now, string silo)
        {
            if (_full)
            {
                return FullReport(silo, now);
            }
            var keepalive = _byId.Count > 0 && now - _lastReport >= FeedTiming.ReportInterval;
            if (_changed.Count == 0 && _removed.Count == 0 && !keepalive)
            {
                return null;
            }
            var report = new FollowerReport(silo, ++_sequence, false,
                _changed.Select(id => _byId[id].Last).ToList(),
                _removed.Select(r => new RemovedFollower(r.Key, r.Value)).ToList());
            _changed.Clear();
            _removed.Clear();
            _lastReport = now;
            return report;
        }

        public FollowerReport FullReport(string silo, DateTimeOffset now)
        {
            var report = new FollowerReport(silo, ++_sequence, true, _byId.Values.Select(f => f.Last).ToList(),
                _removed.Select(r => new RemovedFollower(r.Key, r.Value)).ToList());
            _changed.Clear();
            _removed.Clear();
            _full = false;
            _lastReport = now;
            return report;
        }

        /// <summary>The registry may or may not have applied the report: the next one says everything.</summary>
        public void ReportFailed() => _full = true;
    }
}
