using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;

namespace OrleansGateway.Grains.Tests.Groups;

[Collection(ClusterCollection.Name)]
public class GroupCommitTests(ClusterFixture fixture)
{
    private const string Upstream = """{"nodes":{"127.0.0.1:1980":1}}""";

    private async Task<(string Id, IGatewayGroupGrain Grain)> NewGroupAsync()
    {
        var id = "c-" + Guid.NewGuid().ToString("N")[..12];
        var grain = fixture.Grains.GetGrain<IGatewayGroupGrain>(id);
        await grain.Create(null, null);
        return (id, grain);
    }

    [Fact]
    public async Task Concurrent_writes_get_distinct_consecutive_versions_and_all_are_stored()
    {
        var (id, g) = await NewGroupAsync();
        await g.Put(ResourceKind.Upstream, "u", Upstream);
        var commitsBefore = FaultyGroupStore.Commits(id);
        FaultyGroupStore.SlowCommits(id, TimeSpan.FromMilliseconds(20)); // 300 single commits would take 6 s
        var results = await Task.WhenAll(Enumerable.Range(0, 300).Select(i =>
            i % 3 == 2
                ? g.Put(ResourceKind.Route, $"r{i - 1}", $$"""{"uri":"/again/{{i}}","upstream_id":"u"}""")
                : g.Put(ResourceKind.Route, $"r{i}", $$"""{"uri":"/{{i}}","upstream_id":"u"}""")));
        Assert.All(results, r => Assert.True(r.Status is 200 or 201, r.Error));
        var versions = results.Select(r => r.Item!.ModifiedIndex).Order().ToArray();
        Assert.Equal(Enumerable.Range(2, 300).Select(v => (long)v).ToArray(), versions);
        Assert.Equal(301, (await g.GetInfo()).Group!.Version);
        Assert.InRange(FaultyGroupStore.Commits(id) - commitsBefore, 1, 150); // writes that queued together shared commits

        // Every route reads back as its newest write, and the change feed covers every version.
        var routes = await g.List(ResourceKind.Route, new ListQuery());
        Assert.Equal(200, routes.Total);
        var changes = await g.GetChangesSince(1);
        Assert.False(changes.ResetRequired);
        Assert.Equal(200, changes.Upserted.Count);
        foreach (var route in routes.Items)
        {
            var newest = results.Where(r => r.Item!.Id == route.Id).MaxBy(r => r.Item!.ModifiedIndex)!;
            Assert.Equal(newest.Item!.ModifiedIndex, route.ModifiedIndex);
        }
    }

    [Fact]
    public async Task A_failed_commit_fails_its_writes_with_503_and_changes_nothing()
    {
        var (id, g) = await NewGroupAsync();
        await g.Put(ResourceKind.Upstream, "u", Upstream);
        FaultyGroupStore.FailNextCommits(id, 1);
        var failed = await g.Put(ResourceKind.Route, "r1", """{"uri":"/a","upstream_id":"u"}""");
        Assert.Equal(503, failed.Status);
        Assert.Contains("could not be stored", failed.Error);
        Assert.Equal(404, (await g.Get(ResourceKind.Route, "r1")).Status);
        Assert.Equal(1, (await g.GetInfo()).Group!.Version);

        // The next write takes the next version after the last durable one.
        var ok = await g.Put(ResourceKind.Route, "r1", """{"uri":"/a","upstream_id":"u"}""");
        Assert.Equal(201, ok.Status);
        Assert.Equal(2, ok.Item!.ModifiedIndex);
    }

    [Fact]
    public async Task A_failed_batch_also_fails_the_writes_queued_behind_it()
    {
        var (id, g) = await NewGroupAsync();
        await g.Put(ResourceKind.Upstream, "u", Upstream);
        FaultyGroupStore.FailNextCommits(id, 1);
        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => g.Put(ResourceKind.Route, $"r{i}", $$"""{"uri":"/{{i}}","upstream_id":"u"}""")));
        var failed = results.Count(r => r.Status == 503);
        var stored = (await g.List(ResourceKind.Route, new ListQuery())).Total;
        Assert.True(failed >= 1);
        Assert.Equal(50 - failed, stored);
        Assert.Equal(1 + stored, (await g.GetInfo()).Group!.Version);
        Assert.All(results.Where(r => r.Status != 503), r => Assert.Equal(201, r.Status));
    }

    [Fact]
    public async Task A_bulk_replace_is_ordered_against_concurrent_writes()
    {
        var (_, g) = await NewGroupAsync();
        await g.Put(ResourceKind.Upstream, "u", Upstream);
        var writes = Enumerable.Range(0, 20).Select(i => g.Put(ResourceKind.Route, $"r{i}", $$"""{"uri":"/{{i}}","upstream_id":"u"}""")).ToList();
        var replace = g.ReplaceAll("""{"upstreams":[{"id":"v","nodes":{"127.0.0.1:1":1}}]}""");
        var late = g.Put(ResourceKind.Route, "late", """{"uri":"/late","upstream_id":"v"}""");
        var replaced = await replace;
        Assert.Equal(200, replaced.Status);

        // Each write landed wholly before the replace (and was wiped by it) or was validated after it
        // (and refused, since upstream u is gone): never in between.
        foreach (var write in await Task.WhenAll(writes))
        {
            if (write.Status == 201)
            {
                Assert.True(write.Item!.ModifiedIndex < replaced.Version);
            }
            else
            {
                Assert.Equal(400, write.Status);
                Assert.Contains("upstream id [u]", write.Error);
            }
        }
        var lateResult = await late;
        Assert.True(lateResult.Status is 201 or 400, lateResult.Error);
        Assert.Equal("v", Assert.Single((await g.List(ResourceKind.Upstream, new ListQuery())).Items).Id);
        var routes = await g.List(ResourceKind.Route, new ListQuery());
        Assert.Equal(lateResult.Status == 201 ? ["late"] : [], routes.Items.Select(r => r.Id).ToArray());
        Assert.Equal(replaced.Version + (lateResult.Status == 201 ? 1 : 0), (await g.GetInfo()).Group!.Version);
    }
}
