using System.Text.Json.Nodes;
using OrleansGateway.DataPlane.Proxy;
using OrleansGateway.DataPlane.Tests.Routing;
using Microsoft.AspNetCore.Http;

namespace OrleansGateway.DataPlane.Tests.Proxy;

public class ProxyConfigTests
{
    private const string Resources = """
        {"upstreams":[{"id":"u1","nodes":{"127.0.0.1:1980":1},"type":"roundrobin","timeout":{"connect":2,"send":3,"read":4}}],
         "services":[{"id":"s1","upstream_id":"u1","hosts":["svc.test"]},{"id":"s2","upstream":{"nodes":[{"host":"10.0.0.2","port":81,"weight":1}]}}],
         "routes":[
           {"id":"own","uri":"/own","upstream":{"nodes":{"[::1]:8080":1,"example.com":2},"scheme":"https"}},
           {"id":"by-id","uri":"/id","upstream_id":"u1"},
           {"id":"via-service","uri":"/svc","service_id":"s1"},
           {"id":"via-inline-service","uri":"/svc2","service_id":"s2"},
           {"id":"off","uri":"/off","upstream_id":"u1","status":0}]}
        """;

    private static ProxyConfig Build(long version = 3) => ProxyConfig.Build(Resources, version, "standalone", DateTimeOffset.UnixEpoch);

    [Theory]
    [InlineData("/own", "localhost", "routes/own")]
    [InlineData("/id", "localhost", "upstreams/u1")]
    [InlineData("/svc", "svc.test", "upstreams/u1")]
    [InlineData("/svc2", "localhost", "services/s2")]
    public void Routes_resolve_their_upstream_like_apisix(string path, string host, string expected)
    {
        var config = Build();
        var route = config.Routes.Match(new FakeRequest(path, Host: host))!;
        Assert.Equal(expected, route.UpstreamKey);
        Assert.True(config.Upstreams.ContainsKey(expected));
    }

    [Fact]
    public void Integer_ids_as_apisix_may_keep_them_are_read_as_text()
    {
        var config = ProxyConfig.Build("""
            {"upstreams":[{"id":1,"nodes":{"127.0.0.1:1980":1}}],"services":[{"id":2,"upstream_id":1}],
             "plugin_configs":[{"id":3,"plugins":{"limit-count":{"count":5,"time_window":60}}}],
             "routes":[{"id":4,"uri":"/a","service_id":2,"plugin_config_id":3},{"id":5,"uri":"/b","upstream_id":1}]}
            """, 1, "standalone", DateTimeOffset.UnixEpoch);
        Assert.Equal(("4", "upstreams/1"), (config.Routes.Match(new FakeRequest("/a"))!.Id, config.Routes.Match(new FakeRequest("/a"))!.UpstreamKey));
        Assert.Equal("upstreams/1", config.Routes.Match(new FakeRequest("/b"))!.UpstreamKey);
        Assert.Single(config.RoutePlugins["4"].Plugins);
    }

    [Fact]
    public void Disabled_routes_are_left_out_and_node_forms_are_parsed()
    {
        var config = Build();
        Assert.Equal(4, config.Routes.Count);
        Assert.Null(config.Routes.Match(new FakeRequest("/off")));
        var own = config.Upstreams["routes/own"];
        Assert.Equal(["[::1]:8080", "example.com:443"], own.Nodes.Select(n => n.Authority).Order().ToArray());
        var u1 = config.Upstreams["upstreams/u1"];
        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)), (u1.ConnectTimeout, u1.ReadTimeout));
        Assert.Equal("10.0.0.2:81", Assert.Single(config.Upstreams["services/s2"].Nodes).Authority);
    }

    [Fact]
    public void The_holder_only_moves_to_newer_versions()
    {
        var holder = new ProxyConfigHolder();
        var applied = new List<long>();
        holder.Applied += c => applied.Add(c.Version);
        Assert.True(holder.TryApply(Build(5)));
        Assert.False(holder.TryApply(Build(4)));
        Assert.False(holder.TryApply(Build(5)));
        Assert.True(holder.TryApply(Build(6)));
        Assert.Equal([5L, 6], applied);
        Assert.Equal(6, holder.Current.Version);
    }

    [Fact]
    public void Least_conn_prefers_the_node_with_fewest_requests_per_weight()
    {
        var a = new UpstreamNode("a", 1, 1);
        var b = new UpstreamNode("b", 1, 2);
        var lc = new LeastConnections([a, b]);
        var ctx = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        var picks = Enumerable.Range(0, 6).Select(_ => lc.Pick(ctx, [])!).ToList();
        Assert.Equal(4, picks.Count(p => p == b)); // b carries twice a's load
        Assert.Equal(2, lc.Active(a));
        lc.Release(a);
        lc.Release(a);
        Assert.Same(a, lc.Pick(ctx, []));
        Assert.Same(b, lc.Pick(ctx, [a])); // a retry avoids the node that failed
    }

    [Fact]
    public void Chash_maps_a_key_to_a_stable_node_and_spreads_keys_by_weight()
    {
        var upstream = UpstreamDefinition.Parse("u", JsonNode.Parse("""{"type":"chash","hash_on":"header","key":"x-user","nodes":{"10.0.0.1:80":1,"10.0.0.2:80":1,"10.0.0.3:80":2}}""")!.AsObject());
        var chash = new ConsistentHash(upstream);
        Microsoft.AspNetCore.Http.DefaultHttpContext For(string user)
        {
            var ctx = new Microsoft.AspNetCore.Http.DefaultHttpContext();
            ctx.Request.Headers["x-user"] = user;
            return ctx;
        }
        var first = chash.Pick(For("alice"), [])!;
        Assert.All(Enumerable.Range(0, 20), _ => Assert.Same(first, chash.Pick(For("alice"), [])));
        Assert.Equal(first.Authority, new ConsistentHash(upstream).Pick(For("alice"), [])!.Authority); // same on every DP
        var counts = Enumerable.Range(0, 4000).Select(i => chash.Pick(For($"user-{i}"), [])!.Host).GroupBy(h => h).ToDictionary(g => g.Key, g => g.Count());
        Assert.InRange(counts["10.0.0.3"], 1600, 2400); // about half: weight 2 of 4
        Assert.NotSame(first, chash.Pick(For("alice"), [first]));
    }

    [Fact]
    public void Smooth_weighted_round_robin_interleaves_by_weight_and_skips_zero()
    {
        var rr = new WeightedRoundRobin([new UpstreamNode("a", 1, 5), new UpstreamNode("b", 1, 1), new UpstreamNode("c", 1, 1), new UpstreamNode("z", 1, 0)]);
        var picks = Enumerable.Range(0, 70).Select(_ => rr.Next()!.Host).ToList();
        Assert.Equal(50, picks.Count(p => p == "a"));
        Assert.Equal(10, picks.Count(p => p == "b"));
        Assert.Equal(10, picks.Count(p => p == "c"));
        Assert.DoesNotContain("z", picks);
        Assert.Equal("aabacaa", string.Concat(picks.Take(7))); // nginx's smooth sequence for 5/1/1
        Assert.Null(new WeightedRoundRobin([new UpstreamNode("z", 1, 0)]).Next());
    }
}
