using OrleansGateway.Contracts.Feed;
using OrleansGateway.Contracts.Grains;

namespace OrleansGateway.DataPlane.Sources;

/// <summary>
/// A link over a cluster client: the silo's own (the <c>traditional</c> role, proxy and silo in one process), or the
/// client of a <see cref="ControlPlaneConnection"/>. Its receiver is an Orleans observer on that client; the silo
/// the heartbeat reaches pushes every commit of the group to it.
/// </summary>
public sealed class ClusterClientLink(IClusterClient client) : IControlPlaneLink
{
    private Receiver? _receiver;
    private IGroupFollower? _reference;
    private string? _group;
    private string? _instanceId;

    public IGrainFactory Grains => client;

    /// <summary>The silo's own client (the <c>traditional</c> role) never loses its silo; a connection's raises it.</summary>
    public event Action? ConnectionLost;

    internal void RaiseConnectionLost() => ConnectionLost?.Invoke();

    public void Follow(string group, Func<GroupChanged, Task> onChange)
    {
        _group = group;
        _receiver = new Receiver(group, onChange); // held here: Orleans keeps only a weak reference to it
        _reference = client.CreateObjectReference<IGroupFollower>(_receiver);
    }

    public Task<long> HeartbeatAsync(DataPlaneHeartbeat heartbeat)
    {
        if (_reference is null || _group is null)
        {
            throw new InvalidOperationException("Follow must be called before the first heartbeat");
        }
        _instanceId = heartbeat.InstanceId;
        return client.GetGrain<IGroupFeedGrain>(_group).Heartbeat(_reference, heartbeat);
    }

    public async ValueTask DisposeAsync()
    {
        if (_reference is null)
        {
            return;
        }
        _receiver?.Close();
        if (_group is not null && _instanceId is not null)
        {
            try
            {
                await client.GetGrain<IGroupFeedGrain>(_group).Leave(_reference, _instanceId).WaitAsync(TimeSpan.FromSeconds(2));
            }
            catch (Exception)
            {
                // The silo is stopping or unreachable: it drops the receiver when its heartbeats stop.
            }
        }
        try
        {
            client.DeleteObjectReference<IGroupFollower>(_reference);
        }
        catch (Exception)
        {
            // The client is stopping.
        }
        _reference = null;
    }

    private sealed class Receiver(string group, Func<GroupChanged, Task> onChange) : IGroupFollower
    {
        private volatile bool _closed;

        public void Close() => _closed = true;

        public Task OnChanged(GroupChanged change) =>
            _closed || change.Group != group ? Task.CompletedTask : onChange(change);
    }
}
