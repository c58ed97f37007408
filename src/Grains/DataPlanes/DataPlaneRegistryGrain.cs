using OrleansGateway.Contracts.Grains;
using OrleansGateway.Grains.Observability;

namespace OrleansGateway.Grains.DataPlanes;

/// <summary>
/// Keeps the group's data planes in memory only: heartbeats every few seconds rebuild it within one interval after
/// the grain moves to another silo, so persisting it would buy nothing. Status as in API7's instance list:
/// <c>healthy</c> (heard from, at the group's version), <c>lagging</c> (heard from, behind), <c>lost</c> (silent for
/// 15 s). Instances silent for 10 minutes are forgotten. Heartbeats refresh the <c>og_cp_dataplanes</c> gauge at most
/// once a second (a copy of every instance per heartbeat would cost O(instances²) with hundreds of data planes); the
/// gauge judges silence itself, so a data plane that stops heartbeating still turns <c>lost</c> on time.
/// </summary>
public sealed class DataPlaneRegistryGrain(TimeProvider time, ControlPlaneMetrics metrics) : Grain, IDataPlaneRegistryGrain
{
    private static readonly TimeSpan MetricsRefresh = TimeSpan.FromSeconds(1);
    private readonly Dictionary<string, (DataPlaneHeartbeat Last, DateTimeOffset Seen)> _instances = new(StringComparer.Ordinal);
    private DateTimeOffset _metricsAt = DateTimeOffset.MinValue;
    private long _metricsVersion = long.MinValue;

    private string Group => this.GetPrimaryKeyString();

    public async Task<long> Heartbeat(DataPlaneHeartbeat heartbeat)
    {
        var now = time.GetUtcNow();
        var isNew = !_instances.ContainsKey(heartbeat.InstanceId);
        _instances[heartbeat.InstanceId] = (heartbeat, now);
        var info = await GrainFactory.GetGrain<IGatewayGroupGrain>(Group).GetInfo();
        var version = info.Group?.Version ?? -1;
        if (isNew || version != _metricsVersion || now - _metricsAt >= MetricsRefresh)
        {
            Forget(now);
            metrics.DataPlanes(Group, new DataPlaneSightings(_instances.Values.Select(i => (i.Seen, i.Last.Version)).ToList(), Math.Max(0, version)));
            (_metricsAt, _metricsVersion) = (now, version);
        }
        return version;
    }

    /// <summary>Drops instances not seen for <see cref="DataPlaneSightings.Forget"/> (every restart of a DP is a new instance).</summary>
    private void Forget(DateTimeOffset now)
    {
        foreach (var stale in _instances.Where(i => now - i.Value.Seen > DataPlaneSightings.Forget).Select(i => i.Key).ToList())
        {
            _instances.Remove(stale);
        }
    }

    public async Task<IReadOnlyList<DataPlaneInstance>> List()
    {
        var version = (await GrainFactory.GetGrain<IGatewayGroupGrain>(Group).GetInfo()).Group?.Version ?? 0;
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
