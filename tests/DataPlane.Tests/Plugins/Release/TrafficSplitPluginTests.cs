using OrleansGateway.Contracts.Resources;
using static OrleansGateway.DataPlane.Tests.Plugins.PluginHarness;

namespace OrleansGateway.DataPlane.Tests.Plugins.Release;

/// <summary>traffic-split as APISIX's t/plugin/traffic-split*.t: matches, weights, the route's own upstream, inline upstreams.</summary>
public class TrafficSplitPluginTests
{
    private static readonly StoredResource[] Upstreams =
    [
        R(ResourceKind.Upstream, "u1", """{"id":"u1","nodes":{"127.0.0.1:1981":1}}"""),
        R(ResourceKind.Upstream, "u2", """{"id":"u2","nodes":{"127.0.0.1:1982":1}}"""),
    ];

    /// <summary>Where each of <paramref name="count"/> requests goes: the upstream key, or "route" for the route's own.</summary>
    private static async Task<List<string>> Targets(PluginHarness gateway, string target, int count, Action<Microsoft.AspNetCore.Http.HttpRequest>? prepare = null)
    {
        var targets = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var outcome = await gateway.RunAsync(target, prepare);
            Assert.Null(outcome.Answered);
            targets.Add(outcome.Context.UpstreamOverride?.Key ?? "route");
        }
        return targets;
    }

    [Fact]
    public async Task A_matching_rule_splits_by_weight_including_the_routes_own_upstream()
    {
        var gateway = new PluginHarness([.. Upstreams, Route("canary", """
            {"traffic-split":{"rules":[{"match":[{"vars":[["arg_name","==","jack"],["arg_age","!","<","16"]]}],
              "weighted_upstreams":[{"upstream_id":"u1","weight":2},{"weight":1}]}]}}
            """)]);

        Assert.Equal(["route"], await Targets(gateway, "/canary?name=jack&age=14", 1)); // no match
        var split = await Targets(gateway, "/canary?name=jack&age=16", 6);
        Assert.Equal((4, 2), (split.Count(t => t == "upstreams/u1"), split.Count(t => t == "route")));
    }

    [Fact]
    public async Task Match_entries_are_alternatives_rules_are_tried_in_order_and_weight_zero_is_never_chosen()
    {
        var gateway = new PluginHarness([.. Upstreams, Route("blue", """
            {"traffic-split":{"rules":[
              {"match":[{"vars":[["http_release","==","blue"]]},{"vars":[["arg_id","==","1"]]}],"weighted_upstreams":[{"upstream_id":"u1"}]},
              {"match":[{"vars":[["arg_id","==","2"]]}],"weighted_upstreams":[{"upstream_id":"u2","weight":1},{"upstream_id":"u1","weight":0}]},
              {"weighted_upstreams":[{"upstream":{"nodes":{"127.0.0.1:1983":1},"pass_host":"rewrite","upstream_host":"test.com"}}]}]}}
            """)]);

        Assert.All(await Targets(gateway, "/blue", 3, r => r.Headers["release"] = "blue"), t => Assert.Equal("upstreams/u1", t));
        Assert.All(await Targets(gateway, "/blue?id=1", 2), t => Assert.Equal("upstreams/u1", t));
        Assert.All(await Targets(gateway, "/blue?id=2", 4), t => Assert.Equal("upstreams/u2", t));
        var inline = (await gateway.RunAsync("/blue?id=3")).Context.UpstreamOverride!;
        Assert.Equal(("routes/blue/traffic-split/3/1", "127.0.0.1:1983", "rewrite", "test.com"), (inline.Key, inline.Nodes.Single().Authority, inline.PassHost, inline.UpstreamHost));
    }

    [Fact]
    public async Task An_upstream_id_that_does_not_exist_answers_500()
    {
        var gateway = new PluginHarness([.. Upstreams, Route("gone", """{"traffic-split":{"rules":[{"weighted_upstreams":[{"upstream_id":"invalid-id"}]}]}}""")]);
        var outcome = await gateway.RunAsync("/gone");
        Assert.Equal((500, "failed to fetch upstream info by upstream id: invalid-id"), (outcome.Answered, outcome.Body));
    }

    [Fact]
    public async Task Without_rules_it_does_nothing()
    {
        var gateway = new PluginHarness([.. Upstreams, Route("none", """{"traffic-split":{}}""")]);
        Assert.Equal(["route", "route"], await Targets(gateway, "/none", 2));
    }
}
