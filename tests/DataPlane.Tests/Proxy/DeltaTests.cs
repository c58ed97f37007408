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
        var v5 = v3.WithChanges(changes, "control_plane", DateTimeOffset.UnixEpoch);

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
        var v3 = v2.WithChanges(new ChangeSet("g", 2, 3, false, [Route("z", "/z", 3)], [], false), "control_plane", DateTimeOffset.UnixEpoch);
        Assert.Same(v2.Routes.Match(new FakeRequest("/a")), v3.Routes.Match(new FakeRequest("/a")));
    }

    [Fact]
    public void A_full_build_reuses_compiled_routes_of_the_previous_version()
    {
        var export = new GroupExport("g", 2, [Upstream, Route("a", "/a", 2)], "{}");
        var v2 = ProxyConfig.Build(ResourceSet.FromExport(export), "control_plane", DateTimeOffset.UnixEpoch);
        var v3 = ProxyConfig.Build(v2.Resources.With(new ChangeSet("g", 2, 3, false, [Route("z", "/z", 3)], [], false)), "control_plane", DateTimeOffset.UnixEpoch, previous: v2);
        Assert.Same(v2.Routes.Match(new FakeRequest("/a")), v3.Routes.Match(new FakeRequest("/a")));
        Assert.Equal(2, v3.Routes.Count);
    }

    [Fact]
    public void A_changed_service_recompiles_the_routes_that_inherit_from_it()
    {
        var service = new StoredResource(ResourceKind.Service, "s", """{"id":"s","hosts":["a.example.com"],"upstream_id":"u"}""", 1, 2);
        var route = new StoredResource(ResourceKind.Route, "r", """{"id":"r","uri":"/x","service_id":"s"}""", 1, 3);
        var v3 = ProxyConfig.Build(ResourceSet.FromExport(new GroupExport("g", 3, [Upstream, service, route], "{}")), "control_plane", DateTimeOffset.UnixEpoch);
        Assert.Equal("r", v3.Routes.Match(new FakeRequest("/x", Host: "a.example.com"))?.Id);

        var moved = service with { Json = """{"id":"s","hosts":["b.example.com"],"upstream":{"nodes":{"127.0.0.1:2":1}}}""", ModifiedIndex = 4 };
        var v4 = v3.WithChanges(new ChangeSet("g", 3, 4, false, [moved], [], false), "control_plane", DateTimeOffset.UnixEpoch);

        Assert.Null(v4.Routes.Match(new FakeRequest("/x", Host: "a.example.com")));
        var hit = v4.Routes.Match(new FakeRequest("/x", Host: "b.example.com"));
        Assert.Equal("services/s", hit?.UpstreamKey);
        Assert.Equal("127.0.0.1:2", Assert.Single(v4.Upstreams["services/s"].Nodes).Authority);
    }

    [Fact]
    public void Upstreams_consumers_and_global_rules_follow_their_changes()
    {
        var consumer = new StoredResource(ResourceKind.Consumer, "jack", """{"username":"jack","plugins":{"key-auth":{"key":"k1"}}}""", 1, 3);
        var v3 = ProxyConfig.Build(ResourceSet.FromExport(new GroupExport("g", 3, [Upstream, Route("a", "/a", 2), consumer], "{}")), "control_plane", DateTimeOffset.UnixEpoch);
        Assert.Equal("jack", v3.Consumers.Find("key-auth", "k1")?.Consumer.Username);
        Assert.Empty(v3.GlobalPlugins);

        var upstream = Upstream with { Json = """{"id":"u","nodes":{"127.0.0.1:9":1}}""", ModifiedIndex = 4 };
        var rekeyed = consumer with { Json = """{"username":"jack","plugins":{"key-auth":{"key":"k2"}}}""", ModifiedIndex = 5 };
        var rule = new StoredResource(ResourceKind.GlobalRule, "1", """{"id":"1","plugins":{"ip-restriction":{"whitelist":["10.0.0.0/8"]}}}""", 1, 6);
        var v6 = v3.WithChanges(new ChangeSet("g", 3, 6, false, [upstream, rekeyed, rule], [], false), "control_plane", DateTimeOffset.UnixEpoch);

        Assert.Equal("127.0.0.1:9", Assert.Single(v6.Upstreams["upstreams/u"].Nodes).Authority);
        Assert.Null(v6.Consumers.Find("key-auth", "k1"));
        Assert.Equal("jack", v6.Consumers.Find("key-auth", "k2")?.Consumer.Username);
        Assert.Single(v6.GlobalPlugins);
        Assert.Same(v3.Routes.Match(new FakeRequest("/a")), v6.Routes.Match(new FakeRequest("/a"))); // routes untouched

        var v7 = v6.WithChanges(new ChangeSet("g", 6, 7, false, [], [new ResourceKey(ResourceKind.GlobalRule, "1"), new ResourceKey(ResourceKind.Consumer, "jack")], false), "control_plane", DateTimeOffset.UnixEpoch);
        Assert.Empty(v7.GlobalPlugins);
        Assert.Null(v7.Consumers.Find("key-auth", "k2"));
    }

    [Fact]
    public void Disabling_a_route_takes_it_out_and_enabling_puts_it_back()
    {
        var v2 = ProxyConfig.Build(ResourceSet.FromExport(new GroupExport("g", 2, [Upstream, Route("a", "/a", 2)], "{}")), "control_plane", DateTimeOffset.UnixEpoch);
        var off = new StoredResource(ResourceKind.Route, "a", """{"id":"a","uri":"/a","upstream_id":"u","status":0}""", 1, 3);
        var v3 = v2.WithChanges(new ChangeSet("g", 2, 3, false, [off], [], false), "control_plane", DateTimeOffset.UnixEpoch);
        Assert.Null(v3.Routes.Match(new FakeRequest("/a")));
        Assert.Equal(0, v3.Routes.Count);
        var v4 = v3.WithChanges(new ChangeSet("g", 3, 4, false, [Route("a", "/a", 4)], [], false), "control_plane", DateTimeOffset.UnixEpoch);
        Assert.Equal("a", v4.Routes.Match(new FakeRequest("/a"))?.Id);
        Assert.Equal(1, v4.Routes.Count);
    }

    /// <summary>
    /// Random change sets (routes on shared and prefix uris with priorities, hosts and methods; services; deletes)
    /// applied incrementally must match what a full build of the same resources matches, request for request.
    /// </summary>
    [Fact]
    public void Incremental_changes_match_a_full_build_for_random_change_sets()
    {
        var random = new Random(20261125);
        string[] uris = ["/a", "/a/*", "/a/b", "/b/*", "/", "/*", "/c/d/*"];
        string[] hosts = ["x.example.com", "*.example.com", "y.test"];
        string[] methods = ["GET", "POST"];
        var services = new[] { "s1", "s2" };
        var config = ProxyConfig.Build(ResourceSet.FromExport(new GroupExport("g", 1, [Upstream], "{}")), "control_plane", DateTimeOffset.UnixEpoch);
        var probes = new List<FakeRequest>();
        foreach (var path in new[] { "/a", "/a/", "/a/b", "/a/c", "/b/x", "/", "/zz", "/c/d/e" })
        {
            foreach (var host in new[] { "x.example.com", "z.example.com", "y.test", "other" })
            {
                probes.Add(new FakeRequest(path, "GET", host));
                probes.Add(new FakeRequest(path, "POST", host));
            }
        }
        for (var step = 0; step < 300; step++)
        {
            var version = config.Version + 1;
            var upserts = new List<StoredResource>();
            var deletes = new List<ResourceKey>();
            for (var n = random.Next(1, 4); n > 0; n--)
            {
                var roll = random.Next(10);
                if (roll < 2)
                {
                    var sid = services[random.Next(services.Length)];
                    var host = random.Next(3) == 0 ? "" : $",\"hosts\":[\"{hosts[random.Next(hosts.Length)]}\"]";
                    upserts.Add(new StoredResource(ResourceKind.Service, sid, $"{{\"id\":\"{sid}\",\"upstream_id\":\"u\"{host}}}", 1, version));
                }
                else if (roll < 4 && config.Resources.CountOf(ResourceKind.Route) > 0)
                {
                    var victim = config.Resources.Of(ResourceKind.Route).ElementAt(random.Next(config.Resources.CountOf(ResourceKind.Route)));
                    deletes.Add(new ResourceKey(ResourceKind.Route, victim["id"]!.GetValue<string>()));
                }
                else
                {
                    var id = $"r{random.Next(40)}";
                    var parts = new List<string> { $"\"id\":\"{id}\"", $"\"uri\":\"{uris[random.Next(uris.Length)]}\"", $"\"priority\":{random.Next(3)}" };
                    parts.Add(random.Next(3) == 0 && config.Resources.Get(ResourceKind.Service, "s1") is not null ? "\"service_id\":\"s1\"" : "\"upstream_id\":\"u\"");
                    if (random.Next(3) == 0) { parts.Add($"\"hosts\":[\"{hosts[random.Next(hosts.Length)]}\"]"); }
                    if (random.Next(3) == 0) { parts.Add($"\"methods\":[\"{methods[random.Next(methods.Length)]}\"]"); }
                    if (random.Next(8) == 0) { parts.Add("\"status\":0"); }
                    upserts.Add(new StoredResource(ResourceKind.Route, id, "{" + string.Join(',', parts) + "}", 1, version));
                }
            }
            deletes.RemoveAll(d => upserts.Any(u => u.Kind == d.Kind && u.Id == d.Id));
            upserts = upserts.GroupBy(u => (u.Kind, u.Id)).Select(g => g.Last()).ToList();
            config = config.WithChanges(new ChangeSet("g", config.Version, version, false, upserts, deletes, false), "control_plane", DateTimeOffset.UnixEpoch);
            var full = ProxyConfig.Build(config.Resources, "control_plane", DateTimeOffset.UnixEpoch);
            Assert.Equal(full.Routes.Count, config.Routes.Count);
            foreach (var probe in probes)
            {
                var expected = full.Routes.Match(probe);
                var actual = config.Routes.Match(probe);
                Assert.True(expected?.Id == actual?.Id, $"step {step}: {probe.Method} {probe.Host}{probe.Path} → full {expected?.Id ?? "404"}, incremental {actual?.Id ?? "404"}");
                Assert.Equal(expected?.UpstreamKey, actual?.UpstreamKey);
            }
        }
    }
}
