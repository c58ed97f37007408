using OrleansGateway.Contracts.Grains;

namespace OrleansGateway.Grains.DataPlanes;

/// <summary>
/// Keeps the group's data planes in memory only: heartbeats every few seconds rebuild it within one interval after
/// the grain moves to another silo, so persisting it would buy nothing. Status as in API7's instance list:
/// <c>healthy</c> (heard from, at the group's version), <c>lagging</c> (heard from, behind), <c>lost</c> (silent for
/// 15 s). Instances silent for 10 minutes are forgotten.
/// </summary>
public sealed class DataPlaneRegistryGrain(TimeProvider time) : Grain, IDataPlaneRegistryGrain
{
    private static readonly TimeSpan Offline = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Forget = TimeSpan.FromMinutes(10);
    private readonly Dictionary<string, (DataPlaneHeartbeat Last, DateTimeOffset Seen)> _instances = new(StringComparer.Ordinal);

    public async Task<long> Heartbeat(DataPlaneHeartbeat heartbeat)
    {
        _instances[heartbeat.InstanceId] = (heartbeat, time.GetUtcNow());
        var info = await GrainFactory.GetGrain<IGatewayGroupGrain>(this.GetPrimaryKeyString()).GetInfo();
        return info.Group?.Version ?? -1;
    }

    public async Task<IReadOnlyList<DataPlaneInstance>> List()
    {
        var version = (await GrainFactory.GetGrain<IGatewayGroupGrain>(this.GetPrimaryKeyString()).GetInfo()).Group?.Version ?? 0;
        var now = time.GetUtcNow();
        foreach (var stale in _instances.Where(i => now - i.Value.Seen > Forget).Select(i => i.Key).ToList())
        {
            _instances.Remove(stale);
        }
        return _instances.Values
            .OrderByDescending(i => i.Seen)
            .Select(i => new DataPlaneInstance(i.Last, i.Seen, now - i.Seen > Offline ? "lost" : i.Last.Version < version ? "lagging" : "healthy"))
            .ToList();
    }
}
