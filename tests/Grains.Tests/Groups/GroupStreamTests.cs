using System.Threading.Channels;
using Orleans.Streams;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Streams;

namespace OrleansGateway.Grains.Tests.Groups;

[Collection(ClusterCollection.Name)]
public class GroupStreamTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Every_accepted_write_is_published_with_its_version_and_rejected_ones_are_not()
    {
        var id = "s-" + Guid.NewGuid().ToString("N")[..12];
        var grain = fixture.Grains.GetGrain<IGatewayGroupGrain>(id);
        await grain.Create(null, null);
        var received = Channel.CreateUnbounded<GroupChanged>();
        var stream = fixture.Client.GetStreamProvider(GroupStreams.Provider).GetStream<GroupChanged>(StreamId.Create(GroupStreams.Namespace, id));
        var handle = await stream.SubscribeAsync((e, _) => received.Writer.WriteAsync(e).AsTask());
        try
        {
            await grain.Put(ResourceKind.Upstream, "u1", """{"nodes":{"127.0.0.1:1":1}}""");
            await grain.Put(ResourceKind.Upstream, "u1", """{"nodes":"bad"}""");
            await grain.Delete(ResourceKind.Upstream, "u1");

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var first = await received.Reader.ReadAsync(timeout.Token);
            var second = await received.Reader.ReadAsync(timeout.Token);
            Assert.Equal((1, 0), (first.Version, first.PreviousVersion));
            Assert.Equal((2, 1), (second.Version, second.PreviousVersion));
            Assert.Equal(new ResourceKey(ResourceKind.Upstream, "u1"), Assert.Single(second.Changed));
            Assert.All([first, second], e => Assert.Equal(id, e.Group));
        }
        finally
        {
            await handle.UnsubscribeAsync();
        }
    }
}
