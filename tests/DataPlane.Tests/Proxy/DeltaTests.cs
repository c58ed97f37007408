using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.DataPlane.Proxy;
using OrleansGateway.DataPlane.Tests.Routing;

namespace OrleansGateway.DataPlane.Tests.Proxy;

public class DeltaTests
{
    private static StoredResource Route(string id, string uri, long v) => new(ResourceKind.Route, id, $$"""{"id":"{{id}}","uri":"{{uri}}","upstream_id":"u"}""", 1, v);

    private static readonly StoredResource Upstream = new(ResourceKind.Upstream, "u", """{"id":"u","nodes":{"127.0.0.1:1":1}}""", 1, 1);

    [Fact]
    public void A_change_set_updates_only_what_changed_and_reuses_the_rest()
    {
        var export = new GroupExport("g", 3, [Upstream, Route("a", "/a", 2), Route("b", "/b", 3)], "{}");
        var v3 = ProxyConfig.Build(ResourceSet.FromExport(export), "control_plane", DateTimeOffset.UnixEpoch);
        var changes = new ChangeSet("g", 3, 5, false, [Route("b", "/b2", 4), Route("c", "/c", 5)], [new ResourceKey(ResourceKind.Route, "a")], false);
        var v5 = ProxyConfig.Build(v3.Resources.With(changes), "control_plane", DateTimeOffset.UnixEpoch, previous: v3);

        Assert.Equal(5, v5.Version);
        Assert.Null(v5.Routes.Match(new FakeRequest("/a")));
        Assert.Null(v5.Routes.Match(new FakeRequest("/b")));
        Assert.Equal("b", v5.Routes.Match(new FakeRequest("/b2"))!.Id);
        Assert.Equal("c", v5.Routes.Match(new FakeRequest("/c"))!.Id);
        Assert.Same(v3.Upstreams["upstreams/u"], v5.Upstreams["upstreams/u"]); // unchanged: reused, balancer state kept
        Assert.Equal("a", v3.Routes.Match(new FakeRequest("/a"))!.Id); // the old version is untouched
    }

    [Fact]
    public void Unchanged_routes_keep_their_compiled_form()
    {
        var export = new GroupExport("g", 2, [Upstream, Route("a", "/a", 2)], "{}");
        var v2 = ProxyConfig.Build(ResourceSet.FromExport(export), "control_plane", DateTimeOffset.UnixEpoch);
        var v3 = ProxyConfig.Build(v2.Resources.With(new ChangeSet("g", 2, 3, false, [Route("z", "/z", 3)], [], false)), "control_plane", DateTimeOffset.UnixEpoch, previous: v2);
        Assert.Same(v2.Routes.Match(new FakeRequest("/a")), v3.Routes.Match(new FakeRequest("/a")));
    }
}
