using Orleans.Streams;
using OrleansGateway.Contracts.Streams;

namespace OrleansGateway.DataPlane.Sources;

/// <summary>The <c>traditional</c> role: the proxy runs inside the silo and uses the silo's own cluster client.</summary>
public sealed class InProcessControlPlaneLink(IClusterClient client) : IControlPlaneLink
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
