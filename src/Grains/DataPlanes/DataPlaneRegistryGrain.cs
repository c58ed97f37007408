using OrleansGateway.Contracts.Grains;
using OrleansGateway.Grains.Observability;

namespace OrleansGateway.Grains.DataPlanes;

/// <summary>
/// Keeps the group's data planes in memory only: heartbeats every few seconds rebuild it within one interval after
/// the grain moves to another silo, so persisting it would buy nothing. Status as in API7's instance list:
/// <c>healthy</c> (heard from, at the group's version), <c>lagging</c> (heard from, behind), <c>lost</c> (silent for
/// 15 s). Instances silent for 10 minutes are forgotten. Every heartbeat refreshes the <c>og_cp_dataplanes</c> gauge.
/// </summary>
public sealed class DataPlaneRegistryGrain(TimeProvider time, ControlPlaneMetrics metrics) : Grain, IDataPlaneRegistryGrain
{
    private readonly Dictionary<string, (DataPlaneHeartbeat Last, DateTimeOffset Seen)> _instances = new(StringComparer.Ordinal);

    private string Group => this.GetPrimaryKeyString();

    public async Task<long> Heartbeat(DataPlaneHeartbeat heartbeat)
    {
        _instances[heartbeat.InstanceId] = (heartbeat, time.GetUtcNow());
        var info = await GrainFactory.GetGrain<IGatewayGroupGrain>(Group).GetInfo();
        var version = info.Group?.Version ?? -1;
        metrics.DataPlanes(Group, new DataPlaneSightings(_instances.Values.Select(i => (i.Seen, i.Last.Version)).ToList(), Math.Max(0, version)));
        return version;
    }

    public async Task<IReadOnlyList<DataPlaneInstance>> List()
    {
        var version = (await GrainFactory.GetGrain<IGatewayGroupGrain>(Group).GetInfo()).Group?.Version ?? 0;
        var now = time.GetUtcNow();
        foreach (var stale in _instances.Where(i => now - i.Value.Seen > DataPlaneSightings.Forget).Select(i => i.Key).ToList())
        {
            _instances.Remove(stale);
        }
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
