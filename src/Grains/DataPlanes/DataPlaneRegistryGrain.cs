using OrleansGateway.Contracts.Grains;

namespace OrleansGateway.Grains.DataPlanes;

/// <summary>
/// Keeps the group's data planes in memory only: heartbeats every few seconds rebuild it within one interval after
/// the grain moves to another silo, so persisting it would buy nothing. Instances silent for a minute are dropped.
/// </summary>
public sealed class DataPlaneRegistryGrain(TimeProvider time) : Grain, IDataPlaneRegistryGrain
{
    private static readonly TimeSpan Offline = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Forget = TimeSpan.FromMinutes(1);
    private readonly Dictionary<string, (DataPlaneHeartbeat Last, DateTimeOffset Seen)> _instances = new(StringComparer.Ordinal);

    public async Task<long> Heartbeat(DataPlaneHeartbeat heartbeat)
    {
        _instances[heartbeat.InstanceId] = (heartbeat, time.GetUtcNow());
        var info = await GrainFactory.GetGrain<IGatewayGroupGrain>(this.GetPrimaryKeyString()).GetInfo();
        return info.Group?.Version ?? -1;
    }

    public Task<IReadOnlyList<DataPlaneInstance>> List()
    {
        var now = time.GetUtcNow();
        foreach (var stale in _instances.Where(i => now - i.Value.Seen > Forget).Select(i => i.Key).ToList())
        {
            _instances.Remove(stale);
        }
        IReadOnlyList<DataPlaneInstance> list = _instances.Values
            .OrderByDescending(i => i.Seen)
            .Select(i => new DataPlaneInstance(i.Last, i.Seen, now - i.Seen > Offline ? "offline" : "online"))
            .ToList();
        return Task.FromResult(list);
    }
}
