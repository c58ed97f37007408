using System.Text;
using OrleansGateway.Contracts.Feed;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Grains.Groups;

namespace OrleansGateway.Grains.Tests.Groups;

[Collection(ClusterCollection.Name)]
public class GroupFeedTests(ClusterFixture fixture)
{
    private async Task<(string Id, IGatewayGroupGrain Grain)> NewGroupAsync()
    {
        var id = "f-" + Guid.NewGuid().ToString("N")[..12];
        var grain = fixture.Grains.GetGrain<IGatewayGroupGrain>(id);
        await grain.Create(null, null);
        return (id, grain);
    }

    [Fact]
    public async Task Every_accepted_write_is_pushed_with_its_delta_and_rejected_ones_are_not()
    {
        var (id, grain) = await NewGroupAsync();
        await using var follower = await FeedListener.StartAsync(fixture.Client, id);

        await grain.Put(ResourceKind.Upstream, "u1", """{"nodes":{"127.0.0.1:1":1}}""");
        await grain.Put(ResourceKind.Upstream, "u1", """{"nodes":"bad"}""");
        await grain.Delete(ResourceKind.Upstream, "u1");

        var first = await follower.NextAsync();
        var second = await follower.NextAsync();
        Assert.Equal((1, 0), (first.Version, first.PreviousVersion));
        Assert.Equal((2, 1), (second.Version, second.PreviousVersion));
        Assert.All([first, second], e => Assert.Equal(id, e.Group));
        Assert.Equal(new ResourceKey(ResourceKind.Upstream, "u1"), Assert.Single(second.Delta!.Upserted.Select(r => new ResourceKey(r.Kind, r.Id)).Concat(second.Delta.Deleted)));

        // The delta is what the change feed answers for the same versions.
        var upsert = Assert.Single(first.Delta!.Upserted);
        Assert.Equal(("u1", 1L, 0L, 1L), (upsert.Id, upsert.ModifiedIndex, first.Delta.FromVersion, first.Delta.ToVersion));
        Assert.Contains("127.0.0.1:1", upsert.Json);
        Assert.Equal(new ResourceKey(ResourceKind.Upstream, "u1"), Assert.Single(second.Delta!.Deleted));
        Assert.Empty(second.Delta.Upserted);
        var feed = await grain.GetChangesSince(1);
        Assert.Equal((feed.FromVersion, feed.ToVersion, feed.Deleted.Single()), (second.Delta.FromVersion, second.Delta.ToVersion, second.Delta.Deleted.Single()));
        Assert.False(follower.Received.Reader.TryRead(out var extra), $"an unexpected push of version {extra?.Version}");
    }

    /// <summary>
    /// A group's grain may be deactivated (a silo leaving, an explicit collection) and activated again: its followers
    /// are held by the silos' hubs, not by the grain, so they keep receiving deltas that continue their version, and
    /// the change feed still answers from before the deactivation (the change log is reloaded from the store).
    /// </summary>
    [Fact]
    public async Task Followers_keep_their_deltas_across_a_deactivation_of_the_group_grain()
    {
        var (id, grain) = await NewGroupAsync();
        await using var follower = await FeedListener.StartAsync(fixture.Client, id);
        await grain.Put(ResourceKind.Upstream, "u1", """{"nodes":{"127.0.0.1:1":1}}""");
        Assert.Equal(1, (await follower.NextAsync()).Version);

        var management = fixture.Grains.GetGrain<IManagementGrain>(0);
        Assert.Equal(1, await management.GetGrainActivationCount((GrainReference)grain));
        await grain.Cast<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (await management.GetGrainActivationCount((GrainReference)grain) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the group grain was not deactivated");
            await Task.Delay(50);
        }

        await grain.Put(ResourceKind.Upstream, "u2", """{"nodes":{"127.0.0.1:2":1}}""");
        var push = await follower.NextAsync();
        Assert.Equal((2, 1, 1L, 2L), (push.Version, push.PreviousVersion, push.Delta!.FromVersion, push.Delta.ToVersion));
        Assert.Equal("u2", Assert.Single(push.Delta.Upserted).Id);
        var feed = await grain.GetChangesSince(0);
        Assert.False(feed.ResetRequired);
        Assert.Equal(["u1", "u2"], feed.Upserted.Select(r => r.Id).Order());
        Assert.Equal(2, await follower.HeartbeatAsync(2));
    }

    [Fact]
    public async Task Writes_committed_together_are_pushed_as_one_delta_covering_all_their_versions()
    {
        var (id, grain) = await NewGroupAsync();
        await using var follower = await FeedListener.StartAsync(fixture.Client, id);

        var writes = Enumerable.Range(0, 20).Select(i => grain.Put(ResourceKind.Upstream, $"u{i % 5}", $$$"""{"nodes":{"127.0.0.1:{{{i + 1}}}":1}}""")).ToList();
        await Task.WhenAll(writes);

        // Orleans may deliver two pushes in either order (the data plane orders them by version): together they
        // chain from version 0 to 20 without a gap or an overlap, each delta covering exactly its versions.
        var pushes = new List<GroupChanged>();
        while (pushes.Sum(p => p.Version - p.PreviousVersion) < 20)
        {
            var change = await follower.NextAsync();
            Assert.Equal((change.PreviousVersion, change.Version), (change.Delta!.FromVersion, change.Delta.ToVersion));
            pushes.Add(change);
        }
        var chain = pushes.OrderBy(p => p.PreviousVersion).ToList();
        Assert.Equal(0, chain[0].PreviousVersion);
        Assert.All(chain.Zip(chain.Skip(1)), pair => Assert.Equal(pair.First.Version, pair.Second.PreviousVersion));
        Assert.Equal(20, chain[^1].Version);
        // Applying the deltas in order gives the group's state at version 20, resource by resource.
        var state = new Dictionary<string, string>();
        foreach (var push in chain)
        {
            push.Delta!.Deleted.ToList().ForEach(k => state.Remove(k.Id));
            push.Delta.Upserted.ToList().ForEach(r => state[r.Id] = r.Json);
        }
        var export = await grain.Export();
        Assert.Equal(20, export.Version);
        Assert.Equal(export.Resources.ToDictionary(r => r.Id, r => r.Json).OrderBy(p => p.Key), state.OrderBy(p => p.Key));
    }

    [Fact]
    public async Task A_bulk_replace_and_an_oversized_change_are_pushed_as_hints_and_a_config_change_as_a_delta()
    {
        var (id, grain) = await NewGroupAsync();
        await using var follower = await FeedListener.StartAsync(fixture.Client, id);

        Assert.Equal(200, (await grain.ReplaceAll("""{"upstreams":[{"id":"u","nodes":{"127.0.0.1:1":1}}]}""")).Status);
        var replaced = await follower.NextAsync();
        Assert.True(replaced.Reset);
        Assert.Null(replaced.Delta);

        var big = new StringBuilder("""{"nodes":{""");
        for (var i = 0; big.Length <= GatewayGroupGrain.MaxPushedDeltaChars; i++)
        {
            big.Append(i == 0 ? "" : ",").Append($"\"10.{i / 65536}.{i / 256 % 256}.{i % 256}:80\":1");
        }
        var put = await grain.Put(ResourceKind.Upstream, "big", big.Append("}}").ToString());
        Assert.True(put.Status == 201, put.Error);
        var hint = await follower.NextAsync();
        Assert.Equal((2, 1, false), (hint.Version, hint.PreviousVersion, hint.Reset));
        Assert.Null(hint.Delta);

        Assert.Equal(200, (await grain.PutConfig("""{"keyring":{}}""")).Status);
        var config = await follower.NextAsync();
        Assert.True(config.Delta!.ConfigChanged);
        Assert.Equal((2, 3), (config.Delta.FromVersion, config.Delta.ToVersion));
    }

    [Fact]
    public async Task The_heartbeat_answers_the_newest_version_the_silo_knows_and_a_follower_that_left_gets_nothing()
    {
        var (id, grain) = await NewGroupAsync();
        await grain.Put(ResourceKind.Upstream, "u1", """{"nodes":{"127.0.0.1:1":1}}""");
        var follower = await FeedListener.StartAsync(fixture.Client, id);
        // The silo learns the group's version from the registry right after a group's first follower arrives.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await follower.HeartbeatAsync(0) != 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.Equal(1, await follower.HeartbeatAsync(0));
        await grain.Put(ResourceKind.Upstream, "u2", """{"nodes":{"127.0.0.1:1":1}}""");
        Assert.Equal(2, (await follower.NextAsync()).Version);
        Assert.Equal(2, await follower.HeartbeatAsync(2));

        // Another data plane cannot unregister it: only its own receiver can.
        await using var other = await FeedListener.StartAsync(fixture.Client, id);
        await other.LeaveAsync(follower.InstanceId);
        await grain.Put(ResourceKind.Upstream, "u3", """{"nodes":{"127.0.0.1:1":1}}""");
        Assert.Equal(3, (await follower.NextAsync()).Version);
        Assert.Equal(3, (await other.NextAsync()).Version);

        await follower.DisposeAsync();
        await grain.Put(ResourceKind.Upstream, "u4", """{"nodes":{"127.0.0.1:1":1}}""");
        Assert.Equal(4, (await other.NextAsync()).Version);
        Assert.False(follower.Received.Reader.TryRead(out var late), $"a follower that left got version {late?.Version}");
    }

    [Fact]
    public async Task The_registry_lists_the_followers_the_silo_reports_with_their_status()
    {
        var (id, grain) = await NewGroupAsync();
        await grain.Put(ResourceKind.Upstream, "u1", """{"nodes":{"127.0.0.1:1":1}}""");
        await using var current = await FeedListener.StartAsync(fixture.Client, id, "dp-current", version: 1);
        await using var behind = await FeedListener.StartAsync(fixture.Client, id, "dp-behind", version: 0);
        var registry = fixture.Grains.GetGrain<IDataPlaneRegistryGrain>(id);

        var list = await WaitForAsync(registry, l => l.Count == 2);
        Assert.Equal("healthy", list.Single(i => i.Last.InstanceId == "dp-current").Status);
        Assert.Equal("lagging", list.Single(i => i.Last.InstanceId == "dp-behind").Status);

        // A heartbeat that reports a new version reaches the registry with the silo's next report.
        await behind.HeartbeatAsync(1);
        await WaitForAsync(registry, l => l.All(i => i.Status == "healthy" && i.Last.Version == 1));
    }

    private static async Task<IReadOnlyList<DataPlaneInstance>> WaitForAsync(IDataPlaneRegistryGrain registry, Func<IReadOnlyList<DataPlaneInstance>, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        IReadOnlyList<DataPlaneInstance> list;
        while (!condition(list = await registry.List()) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.True(condition(list), "registry: " + string.Join(", ", list.Select(i => $"{i.Last.InstanceId} v{i.Last.Version} {i.Status}")));
        return list;
    }
}
