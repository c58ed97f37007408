using OrleansGateway.Contracts.Grains;
using OrleansGateway.Grains.Observability;

namespace OrleansGateway.Grains.DataPlanes;

/// <summary>
/// Keeps the group's data planes in memory only: the silos' reports rebuild it within one report interval after the
/// grain moves to another silo (a report it cannot place answers "send everything"), so persisting it would buy
/// nothing. Each silo reports what changed among its followers of the group; a follower attached to a silo counts as
/// seen at that silo's latest report, and as seen at its own last heartbeat once the silo reports it removed (expired,
/// left) or stops reporting (the silo died). Status as in API7's instance list: <c>healthy</c> (heard from, at the
/// group's version), <c>lagging</c> (heard from, behind), <c>lost</c> (silent for 15 s). Instances silent for 10
/// minutes are forgotten. The <c>og_cp_dataplanes</c> gauge is refreshed at most once a second.
/// </summary>
public sealed class DataPlaneRegistryGrain(TimeProvider time, ControlPlaneMetrics metrics) : Grain, IDataPlaneRegistryGrain
{
    private static readonly TimeSpan MetricsRefresh = TimeSpan.FromSeconds(1);
    private readonly Dictionary<string, Instance> _instances = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SiloState> _silos = new(StringComparer.Ordinal);
    private DateTimeOffset _metricsAt = DateTimeOffset.MinValue;
    private long _metricsVersion = long.MinValue;

    private string Group => this.GetPrimaryKeyString();

    /// <summary>One silo incarnation's followers (a restarted silo has another address: its generation).</summary>
    private sealed class SiloState
    {
        public long Sequence { get; set; } = -1;
        public DateTimeOffset LastReport { get; set; }
        public HashSet<string> Attached { get; } = new(StringComparer.Ordinal);
    }

    private sealed class Instance(DataPlaneHeartbeat last)
    {
        public DataPlaneHeartbeat Last { get; set; } = last;

        /// <summary>The silo that carries it now; null once no silo does.</summary>
        public SiloState? Silo { get; set; }

        /// <summary>Last heard of, while no silo carries it.</summary>
        public DateTimeOffset Detached { get; set; }

        public DateTimeOffset Seen => Silo?.LastReport ?? Detached;
    }

    public async Task<FollowerReportAck> Report(FollowerReport report)
    {
        var now = time.GetUtcNow();
        var version = await GroupVersionAsync();
        _silos.TryGetValue(report.Silo, out var silo);
        if (!report.Full && (silo is null || report.Sequence != silo.Sequence + 1))
        {
            return new FollowerReportAck(version, SendFull: true);
        }
        if (silo is null)
        {
            silo = new SiloState();
            _silos[report.Silo] = silo;
        }
        if (report.Full)
        {
            var listed = report.Upserted.Select(h => h.InstanceId).ToHashSet(StringComparer.Ordinal);
            foreach (var id in silo.Attached.Where(id => !listed.Contains(id)).ToList())
            {
                Detach(silo, id, silo.LastReport);
            }
        }
        silo.Sequence = report.Sequence;
        silo.LastReport = now;
        foreach (var heartbeat in report.Upserted)
        {
            if (!_instances.TryGetValue(heartbeat.InstanceId, out var instance))
            {
                instance = new Instance(heartbeat);
                _instances[heartbeat.InstanceId] = instance;
            }
            instance.Last = heartbeat;
            if (instance.Silo != silo)
            {
                instance.Silo?.Attached.Remove(heartbeat.InstanceId);
                instance.Silo = silo;
                silo.Attached.Add(heartbeat.InstanceId);
            }
        }
        foreach (var removed in report.Removed)
        {
            Detach(silo, removed.InstanceId, now - removed.SilentFor);
        }
        if (report.Upserted.Count > 0 || report.Removed.Count > 0 || version != _metricsVersion || now - _metricsAt >= MetricsRefresh)
        {
            Forget(now);
            metrics.DataPlanes(Group, new DataPlaneSightings(_instances.Values.Select(i => (i.Seen, i.Last.Version)).ToList(), Math.Max(0, version)));
            (_metricsAt, _metricsVersion) = (now, version);
        }
        return new FollowerReportAck(version, SendFull: false);
    }

    private void Detach(SiloState silo, string id, DateTimeOffset seen)
    {
        silo.Attached.Remove(id);
        if (_instances.TryGetValue(id, out var instance) && instance.Silo == silo)
        {
            instance.Silo = null;
            instance.Detached = seen;
        }
    }

    private async Task<long> GroupVersionAsync() =>
        (await GrainFactory.GetGrain<IGatewayGroupGrain>(Group).GetInfo()).Group?.Version ?? -1;

    /// <summary>Drops instances not seen for <see cref="DataPlaneSightings.Forget"/> (every restart of a DP is a new instance), and silos as long gone.</summary>
    private void Forget(DateTimeOffset now)
    {
        foreach (var (id, instance) in _instances.Where(i => now - i.Value.Seen > DataPlaneSightings.Forget).ToList())
        {
            instance.Silo?.Attached.Remove(id);
            _instances.Remove(id);
        }
        // Silo incarnations that stopped reporting (dead, restarted) and carry nobody any more.
        foreach (var (address, _) in _silos.Where(s => s.Value.Attached.Count == 0 && now - s.Value.LastReport > DataPlaneSightings.Forget).ToList())
        {
            _silos.Remove(address);
        }
    }

    public async Task<IReadOnlyList<DataPlaneInstance>> List()
    {
        var version = Math.Max(0, await GroupVersionAsync());
        var now = time.GetUtcNow();
        Forget(now);
        return _instances.Values
            .OrderByDescending(i => i.Seen)
            .Select(i => new DataPlaneInstance(i.Last, i.Seen, DataPlaneSightings.StatusOf(i.Seen, i.Last.Version, version, now)))
            .ToList();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        metrics.DataPlanesGone(Group);
        return Task.CompletedTask;
    }
}
