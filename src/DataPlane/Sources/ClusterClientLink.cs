using Orleans.Streams;
using OrleansGateway.Contracts.Streams;

namespace OrleansGateway.DataPlane.Sources;

/// <summary>
/// A link over a cluster client: the silo's own (the <c>traditional</c> role, proxy and silo in one process), or the
/// client of a <see cref="ControlPlaneConnection"/>.
/// </summary>
public sealed class ClusterClientLink(IClusterClient client) : IControlPlaneLink
{
    private StreamSubscriptionHandle<GroupChanged>? _subscription;

    public IGrainFactory Grains => client;

    public async Task SubscribeAsync(string group, Func<GroupChanged, Task> onChange)
    {
        var stream = client.GetStreamProvider(GroupStreams.Provider).GetStream<GroupChanged>(StreamId.Create(GroupStreams.Namespace, group));
        _subscription = await stream.SubscribeAsync((e, _) => onChange(e));
    }

    public async ValueTask DisposeAsync()
    {
        if (_subscription is not null)
        {
            try
            {
                await _subscription.UnsubscribeAsync().WaitAsync(TimeSpan.FromSeconds(2));
            }
            catch (Exception)
            {
                // The silo is stopping or its cluster is unhealthy; the subscription goes with it.
            }
        }
    }
}
