using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;

namespace OrleansGateway.Grains.Tests.Groups;

[Collection(ClusterCollection.Name)]
public class GatewayGroupGrainTests(ClusterFixture fixture)
{
    private const string Upstream = """{"nodes":{"127.0.0.1:1980":1}}""";

    /// <summary>A fresh group per test, so tests do not share versions.</summary>
    private async Task<IGatewayGroupGrain> NewGroupAsync()
    {
        var id = "g-" + Guid.NewGuid().ToString("N")[..12];
        var grain = fixture.Grains.GetGrain<IGatewayGroupGrain>(id);
        var created = await grain.Create(id, "test group");
        Assert.Equal(201, created.Status);
        return grain;
    }

    [Fact]
    public async Task Put_creates_then_replaces_with_strictly_increasing_versions()
    {
        var g = await NewGroupAsync();
        var first = await g.Put(ResourceKind.Upstream, "u1", Upstream);
        Assert.Equal(201, first.Status);
        Assert.Equal(1, first.Item!.CreatedIndex);
        Assert.Equal(1, first.Item.ModifiedIndex);

        var second = await g.Put(ResourceKind.Upstream, "u1", """{"nodes":{"127.0.0.1:1981":2}}""");
        Assert.Equal(200, second.Status);
        Assert.Equal(1, second.Item!.CreatedIndex);
        Assert.Equal(2, second.Item.ModifiedIndex);

        var read = await g.Get(ResourceKind.Upstream, "u1");
        Assert.Contains("127.0.0.1:1981", read.Item!.Json);
        Assert.Equal(2, (await g.GetInfo()).Group!.Version);
    }

    [Fact]
    public async Task Create_time_is_kept_update_time_set_on_replace_and_neither_accepted_in_the_body()
    {
        var g = await NewGroupAsync();
        var first = JsonNode.Parse((await g.Put(ResourceKind.Upstream, "u1", Upstream)).Item!.Json)!;
        var refused = await g.Put(ResourceKind.Upstream, "u1", """{"nodes":{"127.0.0.1:2":1},"create_time":1}""");
        Assert.Equal((400, "the property is forbidden:  create_time"), (refused.Status, refused.Error));
        var second = JsonNode.Parse((await g.Put(ResourceKind.Upstream, "u1", """{"nodes":{"127.0.0.1:2":1}}""")).Item!.Json)!;
        Assert.Equal(first["create_time"]!.GetValue<long>(), second["create_time"]!.GetValue<long>());
        Assert.True(second["update_time"]!.GetValue<long>() >= first["update_time"]!.GetValue<long>());
    }

    [Fact]
    public async Task Invalid_body_is_refused_and_changes_nothing()
    {
        var g = await NewGroupAsync();
        await g.Put(ResourceKind.Upstream, "u1", Upstream);
        var bad = await g.Put(ResourceKind.Upstream, "u1", """{"nodes":{"127.0.0.1:1980":-5}}""");
        Assert.Equal(400, bad.Status);
        Assert.Contains("nodes", bad.Error);
        var malformed = await g.Put(ResourceKind.Upstream, "u1", "{not json");
        Assert.Equal(400, malformed.Status);
        Assert.StartsWith("invalid request body", malformed.Error);
        Assert.Equal(1, (await g.GetInfo()).Group!.Version);
        Assert.Contains("127.0.0.1:1980\":1", (await g.Get(ResourceKind.Upstream, "u1")).Item!.Json);
    }

    [Fact]
    public async Task Route_naming_a_missing_upstream_is_refused()
    {
        var g = await NewGroupAsync();
        var result = await g.Put(ResourceKind.Route, "r1", """{"uri":"/ip","upstream_id":"missing"}""");
        Assert.Equal(400, result.Status);
        Assert.Equal("failed to fetch upstream info by upstream id [missing], response code: 404", result.Error);
        Assert.Equal(404, (await g.Get(ResourceKind.Route, "r1")).Status);
    }

    [Fact]
    public async Task Upstream_in_use_cannot_be_deleted_until_the_route_is_gone()
    {
        var g = await NewGroupAsync();
        await g.Put(ResourceKind.Upstream, "u1", Upstream);
        await g.Put(ResourceKind.Service, "s1", """{"upstream_id":"u1"}""");
        await g.Put(ResourceKind.Route, "r1", """{"uri":"/ip","service_id":"s1"}""");

        var refused = await g.Delete(ResourceKind.Upstream, "u1");
        Assert.Equal(400, refused.Status);
        Assert.Equal("can not delete this upstream, service [s1] is still using it now", refused.Error);
        Assert.Equal(400, (await g.Delete(ResourceKind.Service, "s1")).Status);

        Assert.Equal(200, (await g.Delete(ResourceKind.Route, "r1")).Status);
        Assert.Equal(200, (await g.Delete(ResourceKind.Service, "s1")).Status);
        Assert.Equal(200, (await g.Delete(ResourceKind.Upstream, "u1")).Status);
        Assert.Equal(404, (await g.Delete(ResourceKind.Upstream, "u1")).Status);
    }

    [Fact]
    public async Task A_forced_delete_leaves_the_reference_dangling_and_a_restore_or_forced_import_keeps_it()
    {
        var g = await NewGroupAsync();
        await g.Put(ResourceKind.PluginConfig, "pc", """{"plugins":{}}""");
        await g.Put(ResourceKind.Upstream, "u1", Upstream);
        await g.Put(ResourceKind.Route, "r1", """{"uri":"/ip","upstream_id":"u1","plugin_config_id":"pc"}""");

        Assert.Equal(200, (await g.Delete(ResourceKind.PluginConfig, "pc", null, force: true)).Status);
        Assert.Equal(404, (await g.Get(ResourceKind.PluginConfig, "pc")).Status);
        Assert.Contains("\"plugin_config_id\":\"pc\"", (await g.Get(ResourceKind.Route, "r1")).Item!.Json);
        // A write of the route checks its references again, as APISIX does.
        var rewrite = await g.Put(ResourceKind.Route, "r1", """{"uri":"/ip2","upstream_id":"u1","plugin_config_id":"pc"}""");
        Assert.Equal("failed to fetch plugin config info by plugin config id [pc], response code: 404", rewrite.Error);

        // The group as it is, dangling reference included: refused by a plain import, kept by a forced one or a restore.
        var export = await g.Export();
        var json = StandaloneConfig.ToJson(export);
        var refused = await g.ReplaceAll(json);
        Assert.Equal(400, refused.Status);
        Assert.StartsWith("invalid configuration: routes \"r1\" references plugin_configs \"pc\", which is not in the set", refused.Error);
        Assert.Equal(200, (await g.ReplaceAll(json, force: true)).Status);
        Assert.Equal(200, (await g.Restore(json, "{}", export.Version)).Status);
        Assert.Contains("\"plugin_config_id\":\"pc\"", (await g.Get(ResourceKind.Route, "r1")).Item!.Json);

        // Putting it back mends the reference: deleting it is refused again.
        await g.Put(ResourceKind.PluginConfig, "pc", """{"plugins":{}}""");
        Assert.Equal("can not delete this plugin config, route [r1] is still using it now", (await g.Delete(ResourceKind.PluginConfig, "pc")).Error);
    }

    [Fact]
    public async Task Repointing_a_route_releases_the_old_upstream()
    {
        var g = await NewGroupAsync();
        await g.Put(ResourceKind.Upstream, "u1", Upstream);
        await g.Put(ResourceKind.Upstream, "u2", Upstream);
        await g.Put(ResourceKind.Route, "r1", """{"uri":"/ip","upstream_id":"u1"}""");
        await g.Put(ResourceKind.Route, "r1", """{"uri":"/ip","upstream_id":"u2"}""");
        Assert.Equal(200, (await g.Delete(ResourceKind.Upstream, "u1")).Status);
        Assert.Equal(400, (await g.Delete(ResourceKind.Upstream, "u2")).Status);
    }

    [Fact]
    public async Task Patch_merges_and_null_removes_a_field()
    {
        var g = await NewGroupAsync();
        await g.Put(ResourceKind.Upstream, "u1", """{"nodes":{"127.0.0.1:1980":1},"name":"one","desc":"d"}""");
        var patched = await g.Patch(ResourceKind.Upstream, "u1", """{"nodes":{"127.0.0.1:1981":3},"desc":null}""");
        Assert.Equal(200, patched.Status);
        var value = JsonNode.Parse(patched.Item!.Json)!;
        Assert.Equal("one", value["name"]!.GetValue<string>());
        Assert.Null(value["desc"]);
        Assert.Equal(3, value["nodes"]!["127.0.0.1:1981"]!.GetValue<int>());
        Assert.Equal(1, value["nodes"]!["127.0.0.1:1980"]!.GetValue<int>());
        Assert.Equal(404, (await g.Patch(ResourceKind.Upstream, "nope", "{}")).Status);
        Assert.Equal(400, (await g.Patch(ResourceKind.Upstream, "u1", """{"type":"chash"}""")).Status);
    }

    [Fact]
    public async Task If_match_on_a_stale_modified_index_is_a_conflict()
    {
        var g = await NewGroupAsync();
        await g.Put(ResourceKind.Upstream, "u1", Upstream);
        await g.Put(ResourceKind.Upstream, "u1", Upstream);
        var stale = await g.Put(ResourceKind.Upstream, "u1", Upstream, ifMatch: 1);
        Assert.Equal(409, stale.Status);
        Assert.Equal(200, (await g.Put(ResourceKind.Upstream, "u1", Upstream, ifMatch: 2)).Status);
        Assert.Equal(409, (await g.Put(ResourceKind.Upstream, "u9", Upstream, ifMatch: 5)).Status);
        Assert.Equal(201, (await g.Put(ResourceKind.Upstream, "u9", Upstream, ifMatch: 0)).Status);
    }

    [Fact]
    public async Task Two_consumers_cannot_share_a_key_auth_key()
    {
        var g = await NewGroupAsync();
        Assert.Equal(201, (await g.Put(ResourceKind.Consumer, "jack", """{"username":"jack","plugins":{"key-auth":{"key":"k-1"}}}""")).Status);
        var dup = await g.Put(ResourceKind.Consumer, "jill", """{"username":"jill","plugins":{"key-auth":{"key":"k-1"}}}""");
        Assert.Equal(400, dup.Status);
        Assert.Equal("duplicate key of plugin key-auth found with consumer: jack", dup.Error);
        Assert.Equal(200, (await g.Put(ResourceKind.Consumer, "jack", """{"username":"jack","plugins":{"key-auth":{"key":"k-1"}}}""")).Status);
        Assert.Equal(200, (await g.Put(ResourceKind.Consumer, "jack", """{"username":"jack","plugins":{"key-auth":{"key":"k-2"}}}""")).Status);
        Assert.Equal(201, (await g.Put(ResourceKind.Consumer, "jill", """{"username":"jill","plugins":{"key-auth":{"key":"k-1"}}}""")).Status);
        var bulk = await g.ReplaceAll("""{"consumers":[{"username":"a","plugins":{"key-auth":{"key":"same"}}},{"username":"b","plugins":{"key-auth":{"key":"same"}}}]}""");
        Assert.Equal(400, bulk.Status);
    }

    [Fact]
    public async Task Post_generates_distinct_ids()
    {
        var g = await NewGroupAsync();
        var a = await g.Post(ResourceKind.Upstream, Upstream);
        var b = await g.Post(ResourceKind.Upstream, Upstream);
        Assert.Equal(201, a.Status);
        Assert.NotEqual(a.Item!.Id, b.Item!.Id);
        Assert.Matches("^[0-9]+$", a.Item.Id);
        Assert.Equal(400, (await g.Post(ResourceKind.Upstream, """{"id":"x","nodes":{"127.0.0.1:1":1}}""")).Status);
        // As APISIX: consumers are named by their username (PUT), global rules by their id; neither takes a POST.
        var consumer = await g.Post(ResourceKind.Consumer, """{"username":"jack"}""");
        Assert.Equal((405, "not supported `POST` method for consumer"), (consumer.Status, consumer.Error));
        var rule = await g.Post(ResourceKind.GlobalRule, """{"plugins":{}}""");
        Assert.Equal((405, "not supported `POST` method for global rule"), (rule.Status, rule.Error));
    }

    [Fact]
    public async Task Changes_since_a_version_lists_upserts_and_deletes()
    {
        var g = await NewGroupAsync();
        await g.Put(ResourceKind.Upstream, "u1", Upstream);                       // v1
        await g.Put(ResourceKind.Upstream, "u2", Upstream);                       // v2
        await g.Put(ResourceKind.Route, "r1", """{"uri":"/a","upstream_id":"u2"}"""); // v3
        await g.Delete(ResourceKind.Upstream, "u1");                             // v4

        var changes = await g.GetChangesSince(1);
        Assert.False(changes.ResetRequired);
        Assert.Equal(4, changes.ToVersion);
        Assert.Equal(["r1", "u2"], changes.Upserted.Select(r => r.Id).Order().ToArray());
        Assert.Equal(new ResourceKey(ResourceKind.Upstream, "u1"), Assert.Single(changes.Deleted));

        var none = await g.GetChangesSince(4);
        Assert.Empty(none.Upserted);
        Assert.Empty(none.Deleted);
    }

    [Fact]
    public async Task Replace_all_swaps_the_set_in_one_version_and_forces_readers_to_reload()
    {
        var g = await NewGroupAsync();
        await g.Put(ResourceKind.Upstream, "old", Upstream);
        var result = await g.ReplaceAll("""
            {"upstreams":[{"id":"u1","nodes":{"127.0.0.1:1980":1}}],
             "routes":[{"id":"r1","uri":"/ip","upstream_id":"u1"},{"id":"r2","uris":["/a/*"],"upstream_id":"u1"}],
             "routes_conf_version": 1}
            """);
        Assert.Equal(200, result.Status);
        Assert.Equal(2, result.Version);
        Assert.Equal(404, (await g.Get(ResourceKind.Upstream, "old")).Status);
        Assert.Equal(2, (await g.List(ResourceKind.Route, new ListQuery())).Total);
        Assert.True((await g.GetChangesSince(1)).ResetRequired);

        var stale = await g.ReplaceAll("""{"routes":[],"routes_conf_version":1}""");
        Assert.Equal(409, stale.Status);
        var dangling = await g.ReplaceAll("""{"routes":[{"id":"r1","uri":"/ip","upstream_id":"nope"}]}""");
        Assert.Equal(400, dangling.Status);
        Assert.Contains("\"nope\"", dangling.Error);
        var invalid = await g.ReplaceAll("""{"routes":[{"id":"r1","uri":5,"upstream_id":"u1"}]}""");
        Assert.Equal(400, invalid.Status);
        Assert.StartsWith("routes[1] (id \"r1\")", invalid.Error);
        Assert.Equal(2, (await g.GetInfo()).Group!.Version);
    }

    [Fact]
    public async Task List_filters_by_name_label_and_uri_and_pages()
    {
        var g = await NewGroupAsync();
        await g.Put(ResourceKind.Upstream, "u", Upstream);
        for (var i = 0; i < 25; i++)
        {
            var labels = i % 2 == 0 ? ""","labels":{"env":"prod"}""" : "";
            await g.Put(ResourceKind.Route, $"r{i:D2}", $$"""{"uri":"/p{{i}}","name":"route-{{i}}","upstream_id":"u"{{labels}}}""");
        }
        Assert.Equal(25, (await g.List(ResourceKind.Route, new ListQuery())).Total);
        Assert.Equal(13, (await g.List(ResourceKind.Route, new ListQuery(Label: "env:prod"))).Total);
        Assert.Equal(11, (await g.List(ResourceKind.Route, new ListQuery(Name: "route-1"))).Total); // 1, 10-19
        Assert.Equal(1, (await g.List(ResourceKind.Route, new ListQuery(Uri: "/p24"))).Total);
        var page3 = await g.List(ResourceKind.Route, new ListQuery(Page: 3, PageSize: 10));
        Assert.Equal(25, page3.Total);
        Assert.Equal(["r20", "r21", "r22", "r23", "r24"], page3.Items.Select(r => r.Id).ToArray());
    }

    [Fact]
    public async Task Unknown_group_answers_404_and_a_deleted_group_is_gone()
    {
        var missing = fixture.Grains.GetGrain<IGatewayGroupGrain>("never-created");
        Assert.Equal(404, (await missing.Put(ResourceKind.Upstream, "u1", Upstream)).Status);
        Assert.Equal(404, (await missing.GetInfo()).Status);

        var g = await NewGroupAsync();
        await g.Put(ResourceKind.Upstream, "u1", Upstream);
        Assert.Equal(409, (await g.Create(null, null)).Status);
        Assert.Equal(200, (await g.DeleteGroup()).Status);
        Assert.Equal(404, (await g.Get(ResourceKind.Upstream, "u1")).Status);
    }

    [Fact]
    public async Task Default_group_exists_without_being_created_and_cannot_be_deleted()
    {
        var g = fixture.Grains.GetGrain<IGatewayGroupGrain>("default");
        Assert.Equal(200, (await g.GetInfo()).Status);
        Assert.Equal(400, (await g.DeleteGroup()).Status);
    }

    [Fact]
    public async Task Instance_config_is_versioned_and_validated()
    {
        var g = await NewGroupAsync();
        var put = await g.PutConfig("""{"keyring":{"keys":["k1"]},"discovery":{"dns":{"servers":["127.0.0.1:53"]}}}""");
        Assert.Equal(200, put.Status);
        Assert.Equal(1, (await g.GetInfo()).Group!.Version);
        Assert.Contains("keyring", (await g.GetConfig()).ConfigJson);
        Assert.Equal(400, (await g.PutConfig("""{"unknown":1}""")).Status);
        Assert.True((await g.GetChangesSince(0)).ConfigChanged);
    }
}
