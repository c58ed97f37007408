using Microsoft.AspNetCore.Http;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.DataPlane.Plugins;
using OrleansGateway.DataPlane.Proxy;
using OrleansGateway.DataPlane.Tests.Routing;

namespace OrleansGateway.DataPlane.Tests.Plugins;

/// <summary>
/// Which configuration of a plugin applies, as APISIX merges them: service &lt; plugin config &lt; route, then the
/// consumer's group &lt; the consumer once authenticated; phases in order (rewrite, then access).
/// </summary>
public class PluginMergeTests
{
    private static StoredResource R(ResourceKind kind, string id, string json, long version = 1) => new(kind, id, json, 1, version);

    private static readonly StoredResource Upstream = R(ResourceKind.Upstream, "u", """{"id":"u","nodes":{"127.0.0.1:1":1}}""");

    private static string Limit(int count) => $$$"""{"limit-count":{"count":{{{count}}},"time_window":60,"key_type":"constant","key":"k{{{count}}}"}}""";

    private static ProxyConfig Build(params StoredResource[] resources) =>
        ProxyConfig.Build(ResourceSet.FromExport(new GroupExport("g", 9, [Upstream, .. resources], "{}")), "control_plane", DateTimeOffset.UnixEpoch);

    /// <summary>Runs the request plugins of the route matching <paramref name="path"/>: (status when answered, limit shown).</summary>
    private static async Task<(int? Answered, string Limit, string? Consumer)> Run(ProxyConfig config, string path, string? apikey = null, string remote = "10.0.0.1")
    {
        var http = new DefaultHttpContext();
        http.Request.Path = path;
        http.Connection.RemoteIpAddress = System.Net.IPAddress.Parse(remote);
        http.Response.Body = new MemoryStream();
        if (apikey is not null)
        {
            http.Request.Headers["apikey"] = apikey;
        }
        var route = config.Routes.Match(new FakeRequest(path))!;
        var context = new PluginContext(http, route, config.Consumers);
        var chain = await RequestPlugins.RunAsync(config.GlobalPlugins, config.RoutePlugins.GetValueOrDefault(route.Id), context);
        return (chain is null ? http.Response.StatusCode : null, http.Response.Headers["X-RateLimit-Limit"].ToString(), context.ConsumerName);
    }

    [Fact]
    public async Task A_route_takes_its_plugin_config_over_its_service_and_its_own_plugins_over_both()
    {
        var config = Build(
            R(ResourceKind.Service, "s", $$"""{"id":"s","upstream_id":"u","plugins":{{Limit(10)}}}"""),
            R(ResourceKind.PluginConfig, "pc", $$"""{"id":"pc","plugins":{{Limit(5)}}}"""),
            R(ResourceKind.Route, "service-only", """{"id":"service-only","uri":"/a","service_id":"s"}"""),
            R(ResourceKind.Route, "with-pc", """{"id":"with-pc","uri":"/b","service_id":"s","plugin_config_id":"pc"}"""),
            R(ResourceKind.Route, "own", $$"""{"id":"own","uri":"/c","service_id":"s","plugin_config_id":"pc","plugins":{{Limit(2)}}}"""));

        Assert.Equal("10", (await Run(config, "/a")).Limit);
        Assert.Equal("5", (await Run(config, "/b")).Limit);
        Assert.Equal("2", (await Run(config, "/c")).Limit);
    }

    [Fact]
    public async Task A_plugin_config_change_recompiles_the_routes_that_use_it_and_only_those()
    {
        var v1 = Build(
            R(ResourceKind.PluginConfig, "pc", $$"""{"id":"pc","plugins":{{Limit(5)}}}"""),
            R(ResourceKind.Route, "a", """{"id":"a","uri":"/a","upstream_id":"u","plugin_config_id":"pc"}"""),
            R(ResourceKind.Route, "b", $$"""{"id":"b","uri":"/b","upstream_id":"u","plugins":{{Limit(7)}}}"""));
        var changed = R(ResourceKind.PluginConfig, "pc", $$"""{"id":"pc","plugins":{{Limit(3)}}}""", 10);
        var v10 = v1.WithChanges(new ChangeSet("g", 9, 10, false, [changed], [], false), "control_plane", DateTimeOffset.UnixEpoch);

        Assert.Equal("3", (await Run(v10, "/a")).Limit);
        Assert.Same(v1.RoutePlugins["b"], v10.RoutePlugins["b"]); // untouched
        Assert.Equal("5", (await Run(v1, "/a")).Limit); // the old version keeps its own
    }

    [Fact]
    public async Task A_route_whose_plugin_config_or_service_is_gone_answers_as_apisix()
    {
        var config = Build(
            R(ResourceKind.Route, "a", """{"id":"a","uri":"/a","upstream_id":"u","plugin_config_id":"gone"}"""),
            R(ResourceKind.Route, "b", """{"id":"b","uri":"/b","service_id":"gone"}"""),
            R(ResourceKind.Route, "c", """{"id":"c","uri":"/c","service_id":"gone","plugin_config_id":"gone"}"""));
        Assert.Equal(503, (await Run(config, "/a")).Answered);
        Assert.Equal(404, (await Run(config, "/b")).Answered);
        Assert.Equal(503, (await Run(config, "/c")).Answered); // the plugin config is looked up first
    }

    [Fact]
    public async Task An_authenticated_consumer_brings_its_groups_plugins_and_its_own_over_them()
    {
        var config = Build(
            R(ResourceKind.ConsumerGroup, "gold", $$"""{"id":"gold","plugins":{{Limit(4)}}}"""),
            R(ResourceKind.Consumer, "jack", """{"username":"jack","group_id":"gold","plugins":{"key-auth":{"key":"jack-key"}}}"""),
            R(ResourceKind.Consumer, "vip", """{"username":"vip","group_id":"gold","plugins":{"key-auth":{"key":"vip-key"},"limit-count":{"count":6,"time_window":60}}}"""),
            R(ResourceKind.Consumer, "plain", """{"username":"plain","plugins":{"key-auth":{"key":"plain-key"}}}"""),
            R(ResourceKind.Route, "a", """{"id":"a","uri":"/a","upstream_id":"u","plugins":{"key-auth":{},"limit-count":{"count":9,"time_window":60}}}"""));

        Assert.Equal((null, "4", "jack"), await Run(config, "/a", "jack-key"));
        Assert.Equal((null, "6", "vip"), await Run(config, "/a", "vip-key"));
        Assert.Equal((null, "9", "plain"), await Run(config, "/a", "plain-key")); // no plugins of its own: the route's
        Assert.Equal(401, (await Run(config, "/a", "nope")).Answered);
    }

    [Fact]
    public async Task A_consumers_limit_counts_per_route_and_consumer_and_holds()
    {
        var config = Build(
            R(ResourceKind.Consumer, "jack", """{"username":"jack","plugins":{"key-auth":{"key":"jack-key"},"limit-count":{"count":2,"time_window":60,"rejected_code":429}}}"""),
            R(ResourceKind.Consumer, "jill", """{"username":"jill","plugins":{"key-auth":{"key":"jill-key"},"limit-count":{"count":2,"time_window":60,"rejected_code":429}}}"""),
            R(ResourceKind.Route, "merge-count", """{"id":"merge-count","uri":"/a","upstream_id":"u","plugins":{"key-auth":{}}}"""));

        Assert.Null((await Run(config, "/a", "jack-key", "10.9.0.1")).Answered);
        Assert.Null((await Run(config, "/a", "jack-key", "10.9.0.1")).Answered);
        Assert.Equal(429, (await Run(config, "/a", "jack-key", "10.9.0.1")).Answered);
        Assert.Null((await Run(config, "/a", "jill-key", "10.9.0.1")).Answered); // her own counter
    }

    [Fact]
    public async Task Access_plugins_run_after_authentication_so_a_consumers_ip_restriction_applies()
    {
        var config = Build(
            R(ResourceKind.Consumer, "jack", """{"username":"jack","plugins":{"key-auth":{"key":"jack-key"},"ip-restriction":{"blacklist":["10.0.0.0/8"]}}}"""),
            R(ResourceKind.Consumer, "jill", """{"username":"jill","plugins":{"key-auth":{"key":"jill-key"}}}"""),
            R(ResourceKind.Route, "a", """{"id":"a","uri":"/a","upstream_id":"u","plugins":{"key-auth":{}}}"""));

        Assert.Equal(403, (await Run(config, "/a", "jack-key")).Answered);
        Assert.Null((await Run(config, "/a", "jill-key")).Answered);
    }

    [Fact]
    public async Task A_consumer_group_change_reaches_its_consumers_and_a_missing_group_answers_503()
    {
        var v1 = Build(
            R(ResourceKind.ConsumerGroup, "gold", $$"""{"id":"gold","plugins":{{Limit(4)}}}"""),
            R(ResourceKind.Consumer, "jack", """{"username":"jack","group_id":"gold","plugins":{"key-auth":{"key":"jack-key"}}}"""),
            R(ResourceKind.Route, "a", """{"id":"a","uri":"/a","upstream_id":"u","plugins":{"key-auth":{}}}"""));
        Assert.Equal("4", (await Run(v1, "/a", "jack-key")).Limit);

        var changed = R(ResourceKind.ConsumerGroup, "gold", $$"""{"id":"gold","plugins":{{Limit(8)}}}""", 10);
        var v10 = v1.WithChanges(new ChangeSet("g", 9, 10, false, [changed], [], false), "control_plane", DateTimeOffset.UnixEpoch);
        Assert.Equal("8", (await Run(v10, "/a", "jack-key")).Limit);

        var v11 = v10.WithChanges(new ChangeSet("g", 10, 11, false, [], [new ResourceKey(ResourceKind.ConsumerGroup, "gold")], false), "control_plane", DateTimeOffset.UnixEpoch);
        Assert.Equal(503, (await Run(v11, "/a", "jack-key")).Answered);
    }
}
