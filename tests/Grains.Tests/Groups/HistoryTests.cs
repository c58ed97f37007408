using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.History;
using OrleansGateway.Contracts.Resources;

namespace OrleansGateway.Grains.Tests.Groups;

/// <summary>The audit log, diffs between versions and rollbacks, on the real SQLite store.</summary>
[Collection(ClusterCollection.Name)]
public class HistoryTests(ClusterFixture fixture)
{
    private async Task<(string Id, IGatewayGroupGrain Grain)> NewGroupAsync()
    {
        var id = "hist-" + Guid.NewGuid().ToString("N")[..12];
        var grain = fixture.Grains.GetGrain<IGatewayGroupGrain>(id);
        Assert.Equal(201, (await grain.Create(id, null)).Status);
        return (id, grain);
    }

    private const string Upstream = """{"type":"roundrobin","nodes":{"127.0.0.1:1980":1}}""";

    private static string Route(string uri, string upstream = "1") =>
        new JsonObject { ["uri"] = uri, ["upstream_id"] = upstream }.ToJsonString();

    private static string Consumer(string key) =>
        new JsonObject { ["username"] = "jack", ["plugins"] = new JsonObject { ["key-auth"] = new JsonObject { ["key"] = key } } }.ToJsonString();

    private static async Task<JsonObject> DiffAsync(IGatewayGroupGrain g, long from, long? to = null)
    {
        var result = await g.Diff(from, to, 500);
        Assert.True(result.Status == 200, result.Error);
        return JsonNode.Parse(result.Json!)!.AsObject();
    }

    [Fact]
    public async Task Every_write_is_audited_with_the_callers_key_name_and_address()
    {
        var (_, g) = await NewGroupAsync();
        AuditActor.Set("alice", "192.0.2.7");
        try
        {
            Assert.Equal(201, (await g.Put(ResourceKind.Upstream, "1", Upstream)).Status);
            Assert.Equal(201, (await g.Put(ResourceKind.Route, "r1", Route("/a"))).Status);
            Assert.Equal(200, (await g.Put(ResourceKind.Route, "r1", Route("/b"))).Status);
            Assert.Equal(200, (await g.Patch(ResourceKind.Route, "r1", """{"desc":"patched"}""")).Status);
            Assert.Equal(201, (await g.Post(ResourceKind.Route, Route("/posted"))).Status);
            Assert.Equal(200, (await g.Delete(ResourceKind.Route, "r1")).Status);
            // Refused writes are not in the log.
            Assert.Equal(400, (await g.Put(ResourceKind.Route, "bad", """{"uri":1}""")).Status);
            Assert.Equal(400, (await g.Delete(ResourceKind.Upstream, "1")).Status);
            AuditActor.Set("bob", null);
            Assert.Equal(200, (await g.PutConfig("""{"discovery":{"dns":{"servers":["127.0.0.1:53"]}}}""")).Status);
        }
        finally
        {
            RequestContext.Clear();
        }

        var page = await g.GetAudit(new AuditQuery(PageSize: 100));
        Assert.Equal(8, page.Total);
        Assert.Equal(7, page.Version);
        Assert.Equal(0, page.HistoryFrom);
        var list = page.List.OrderBy(e => e.Version).ToList();
        Assert.Equal(
            ["create_group", "create", "create", "update", "patch", "create", "delete", "config"],
            list.Select(e => e.Operation).ToArray());
        Assert.Equal([0L, 1, 2, 3, 4, 5, 6, 7], list.Select(e => e.Version).ToArray());
        Assert.Equal("system", list[0].KeyName);
        Assert.All(list.Skip(1).Take(6), e => Assert.Equal(("alice", "192.0.2.7"), (e.KeyName, e.Client)));
        Assert.Equal(("routes", "r1"), (list[3].Kind, list[3].Id));
        Assert.Equal(("bob", null), (list[7].KeyName, list[7].Client));
        Assert.Null(list[7].Kind);

        // Filters and paging, newest first.
        var routes = await g.GetAudit(new AuditQuery(Kind: "routes", PageSize: 2, Page: 1));
        Assert.Equal(5, routes.Total);
        Assert.Equal([6L, 5], routes.List.Select(e => e.Version).ToArray());
        var second = await g.GetAudit(new AuditQuery(Kind: "routes", PageSize: 2, Page: 3));
        Assert.Equal([2L], second.List.Select(e => e.Version).ToArray());
        Assert.Equal(1, (await g.GetAudit(new AuditQuery(KeyName: "bob"))).Total);
        Assert.Equal(1, (await g.GetAudit(new AuditQuery(Operation: "patch"))).Total);
        Assert.Equal(4, (await g.GetAudit(new AuditQuery(Id: "r1"))).Total);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.Equal(0, (await g.GetAudit(new AuditQuery(Since: now + 60_000))).Total);
        Assert.Equal(8, (await g.GetAudit(new AuditQuery(Since: now - 60_000, Until: now + 60_000))).Total);
    }

    [Fact]
    public async Task A_diff_names_what_was_added_removed_and_changed_between_any_two_versions()
    {
        var (_, g) = await NewGroupAsync();
        await g.Put(ResourceKind.Upstream, "1", Upstream);                       // 1
        await g.Put(ResourceKind.Route, "a", Route("/a"));                        // 2
        await g.Put(ResourceKind.Route, "b", Route("/b"));                        // 3
        await g.Put(ResourceKind.Route, "a", Route("/a2"));                       // 4
        await g.Delete(ResourceKind.Route, "b");                                  // 5
        await g.Put(ResourceKind.Route, "c", Route("/c"));                        // 6

        var one = await DiffAsync(g, 3, 4);
        var changed = Assert.Single(one["changed"]!.AsArray())!;
        Assert.Equal(("routes", "a", 4L), (changed["kind"]!.ToString(), changed["id"]!.ToString(), changed["version"]!.GetValue<long>()));
        var op = Assert.Single(changed["diff"]!.AsArray())!;
        Assert.Equal(("replace", "/uri", "/a", "/a2"), (op["op"]!.ToString(), op["path"]!.ToString(), op["old"]!.ToString(), op["value"]!.ToString()));
        Assert.Empty(one["added"]!.AsArray());
        Assert.Equal("/a", changed["before"]!["uri"]!.ToString());

        var wide = await DiffAsync(g, 2);
        Assert.Equal(6, wide["to"]!.GetValue<long>());
        Assert.Equal(["c"], wide["added"]!.AsArray().Select(i => i!["id"]!.ToString()).ToArray());
        Assert.Empty(wide["removed"]!.AsArray()); // b came and went within the range
        Assert.Equal(["a"], wide["changed"]!.AsArray().Select(i => i!["id"]!.ToString()).ToArray());

        var removal = await DiffAsync(g, 3, 5);
        Assert.Equal(["b"], removal["removed"]!.AsArray().Select(i => i!["id"]!.ToString()).ToArray());
        Assert.Equal("/b", removal["removed"]![0]!["value"]!["uri"]!.ToString());

        // Backwards: the same change seen the other way.
        var back = await DiffAsync(g, 5, 3);
        Assert.Equal(["b"], back["added"]!.AsArray().Select(i => i!["id"]!.ToString()).ToArray());
        Assert.Equal(0, (await DiffAsync(g, 4, 4))["summary"]!["changed"]!.GetValue<int>());

        Assert.Equal(400, (await g.Diff(2, 99, 500)).Status);
    }

    [Fact]
    public async Task Secrets_are_masked_in_a_diff_and_sealing_again_is_not_a_change()
    {
        var (_, g) = await NewGroupAsync();
        await g.Put(ResourceKind.Consumer, "jack", Consumer("first-secret-key"));        // 1
        await g.Put(ResourceKind.Consumer, "jack", Consumer("second-secret-key"));       // 2
        await g.Put(ResourceKind.Consumer, "jack", Consumer("second-secret-key"));       // 3: same key, sealed anew

        var text = (await g.Diff(0, null, 500)).Json!;
        Assert.DoesNotContain("secret-key", text);
        var changed = JsonNode.Parse((await g.Diff(1, 2, 500)).Json!)!["changed"]![0]!;
        var op = Assert.Single(changed["diff"]!.AsArray())!;
        Assert.Equal(("/plugins/key-auth/key", "******", "******"), (op["path"]!.ToString(), op["old"]!.ToString(), op["value"]!.ToString()));
        Assert.DoesNotContain("secret-key", changed.ToJsonString());
        Assert.Equal(0, JsonNode.Parse((await g.Diff(2, 3, 500)).Json!)!["summary"]!["changed"]!.GetValue<int>());

        // A new keyring seals every secret again: not a change of the consumer, a change of the configuration.
        var config = JsonNode.Parse((await g.GetConfig()).ConfigJson!)!.AsObject();
        config["data_encryption"]!["keyring"]!.AsArray().Insert(0, "a-brand-new-keyring-entry-0001");
        Assert.Equal(200, (await g.PutConfig(config.ToJsonString())).Status);  // 4
        var rekey = JsonNode.Parse((await g.Diff(3, 4, 500)).Json!)!;
        Assert.Equal(0, rekey["summary"]!["changed"]!.GetValue<int>());
        Assert.True(rekey["summary"]!["config_changed"]!.GetValue<bool>());
        Assert.DoesNotContain("a-brand-new-keyring-entry", rekey.ToJsonString());
    }

    [Fact]
    public async Task A_rollback_writes_an_earlier_versions_content_as_one_new_audited_version()
    {
        var (_, g) = await NewGroupAsync();
        await g.Put(ResourceKind.Upstream, "1", Upstream);                                // 1
        await g.Put(ResourceKind.Route, "a", Route("/a"));                                 // 2
        await g.Put(ResourceKind.Consumer, "jack", Consumer("jack-key-number-one"));       // 3
        var atThree = (await g.Export()).Resources.ToDictionary(r => (r.Kind, r.Id));
        await g.Put(ResourceKind.Route, "a", Route("/changed"));                           // 4
        await g.Delete(ResourceKind.Consumer, "jack");                                     // 5
        await g.Put(ResourceKind.Route, "b", Route("/b"));                                 // 6
        var config = JsonNode.Parse((await g.GetConfig()).ConfigJson!)!.AsObject();
        config["data_encryption"]!["keyring"] = new JsonArray("a-completely-new-keyring-00001");
        Assert.Equal(200, (await g.PutConfig(config.ToJsonString())).Status);               // 7: the old key is gone

        AuditActor.Set("carol", "198.51.100.1");
        AdminResult result;
        try
        {
            result = await g.Rollback(3);
        }
        finally
        {
            RequestContext.Clear();
        }
        Assert.Equal(200, result.Status);
        Assert.Equal(8, result.Version);

        var now = (await g.Export()).Resources.ToDictionary(r => (r.Kind, r.Id));
        Assert.Equal(atThree.Keys.OrderBy(k => k).ToArray(), now.Keys.OrderBy(k => k).ToArray());
        Assert.Equal("/a", JsonNode.Parse(now[(ResourceKind.Route, "a")].Json)!["uri"]!.ToString());
        // The consumer's key, sealed with a retired key, is back and sealed with the current one.
        var jack = await g.Get(ResourceKind.Consumer, "jack");
        Assert.Equal("jack-key-number-one", JsonNode.Parse(jack.Item!.Json)!["plugins"]!["key-auth"]!["key"]!.ToString());
        Assert.Equal("a-completely-new-keyring-00001", JsonNode.Parse((await g.GetConfig()).ConfigJson!)!["data_encryption"]!["keyring"]![0]!.ToString());

        var entry = (await g.GetAudit(new AuditQuery(PageSize: 1))).List.Single();
        Assert.Equal((8L, "rollback", "carol", "198.51.100.1", "to version 3", 3), (entry.Version, entry.Operation, entry.KeyName, entry.Client, entry.Detail, entry.Resources));
        // Nothing differs between version 3 and the rollback, the keyring aside.
        var same = JsonNode.Parse((await g.Diff(3, 8, 500)).Json!)!;
        Assert.Equal((0, 0, 0), (same["summary"]!["added"]!.GetValue<int>(), same["summary"]!["removed"]!.GetValue<int>(), same["summary"]!["changed"]!.GetValue<int>()));
        // The keyring kept, the instance configuration did not change.
        Assert.False(JsonNode.Parse((await g.Diff(7, 8, 500)).Json!)!["summary"]!["config_changed"]!.GetValue<bool>());

        Assert.Equal(400, (await g.Rollback(8)).Status);
        Assert.Equal(400, (await g.Rollback(-1)).Status);
    }

    [Fact]
    public async Task A_rollback_the_store_refuses_changes_nothing_and_is_not_audited()
    {
        var (id, g) = await NewGroupAsync();
        await g.Put(ResourceKind.Upstream, "1", Upstream);                        // 1
        await g.Put(ResourceKind.Route, "a", Route("/a"));                        // 2
        await g.Put(ResourceKind.Route, "a", Route("/b"));                        // 3
        FaultyGroupStore.FailNextCommits(id, 1);
        var result = await g.Rollback(2);
        Assert.Equal(503, result.Status);
        Assert.Equal(3, (await g.GetInfo()).Group!.Version);
        Assert.Equal("/b", JsonNode.Parse((await g.Get(ResourceKind.Route, "a")).Item!.Json)!["uri"]!.ToString());
        Assert.Equal(4, (await g.GetAudit(new AuditQuery())).Total);
        // And when the store is back, the same rollback goes through.
        Assert.Equal(200, (await g.Rollback(2)).Status);
        Assert.Equal("/a", JsonNode.Parse((await g.Get(ResourceKind.Route, "a")).Item!.Json)!["uri"]!.ToString());
    }

    [Fact]
    public async Task History_past_the_retention_is_dropped_and_said_so()
    {
        var (_, g) = await NewGroupAsync();
        await g.Put(ResourceKind.Upstream, "1", Upstream);
        for (var i = 0; i < 299; i++)
        {
            await g.Put(ResourceKind.Route, "r", Route("/v" + i));
        }
        // The fixture keeps 200 versions; they are dropped in the background, after the commit that crossed 300.
        var page = await g.GetAudit(new AuditQuery(PageSize: 1));
        for (var i = 0; i < 100 && page.Total > 200; i++)
        {
            await Task.Delay(100);
            page = await g.GetAudit(new AuditQuery(PageSize: 1));
        }
        Assert.Equal(300, page.Version);
        Assert.Equal(200, page.Total);
        Assert.Equal(100, page.HistoryFrom);
        var gone = await g.Diff(50, 60, 10);
        Assert.Equal(410, gone.Status);
        Assert.Contains("reaches back to version 100", gone.Error);
        Assert.Equal(410, (await g.Rollback(99)).Status);
        Assert.Equal(200, (await g.Diff(100, 300, 10)).Status);
        Assert.Equal(200, (await g.Rollback(100)).Status);
        Assert.Equal("/v98", JsonNode.Parse((await g.Get(ResourceKind.Route, "r")).Item!.Json)!["uri"]!.ToString());
    }

    [Fact]
    public async Task A_bulk_import_records_only_what_it_changed()
    {
        var (_, g) = await NewGroupAsync();
        await g.Put(ResourceKind.Upstream, "1", Upstream);                 // 1
        await g.Put(ResourceKind.Route, "keep", Route("/keep"));           // 2
        await g.Put(ResourceKind.Route, "drop", Route("/drop"));           // 3
        var set = """
            {"upstreams":[{"id":"1","type":"roundrobin","nodes":{"127.0.0.1:1980":1}}],
             "routes":[{"id":"keep","uri":"/keep","upstream_id":"1"},{"id":"new","uri":"/new","upstream_id":"1"}]}
            """;
        Assert.Equal(200, (await g.ReplaceAll(set)).Status);               // 4
        var entry = (await g.GetAudit(new AuditQuery(PageSize: 1))).List.Single();
        Assert.Equal(("import", 2), (entry.Operation, entry.Resources));
        var diff = await DiffAsync(g, 3, 4);
        Assert.Equal(["new"], diff["added"]!.AsArray().Select(i => i!["id"]!.ToString()).ToArray());
        Assert.Equal(["drop"], diff["removed"]!.AsArray().Select(i => i!["id"]!.ToString()).ToArray());
        Assert.Empty(diff["changed"]!.AsArray());
    }

    [Fact]
    public async Task A_rollback_touches_only_what_changed_and_followers_get_the_delta()
    {
        var (id, g) = await NewGroupAsync();
        await g.Put(ResourceKind.Upstream, "1", Upstream);                       // 1
        await g.Put(ResourceKind.Route, "kept", Route("/kept"));                  // 2
        await g.Put(ResourceKind.Route, "changed", Route("/before"));             // 3
        await g.Put(ResourceKind.Route, "flip", Route("/flip"));                  // 4
        await g.Put(ResourceKind.Route, "changed", Route("/after"));              // 5
        await g.Put(ResourceKind.Route, "added", Route("/added"));                // 6
        await g.Put(ResourceKind.Route, "flip", Route("/flop"));                  // 7
        await g.Put(ResourceKind.Route, "flip", Route("/flip"));                  // 8: back as it was at 4
        await using var follower = await FeedListener.StartAsync(fixture.Client, id, version: 8);

        var result = await g.Rollback(4);
        Assert.Equal((200, 9L), (result.Status, result.Version));
        var rows = (await g.Export()).Resources.ToDictionary(r => r.Id);
        Assert.Equal(2, rows["kept"].ModifiedIndex);      // untouched
        Assert.Equal(8, rows["flip"].ModifiedIndex);      // same content as at 4: untouched
        Assert.Equal(9, rows["changed"].ModifiedIndex);   // put back, as of the rollback's version
        Assert.Equal("/before", JsonNode.Parse(rows["changed"].Json)!["uri"]!.ToString());
        Assert.Equal(3, rows["changed"].CreatedIndex);
        Assert.False(rows.ContainsKey("added"));

        var change = await follower.NextAsync();
        Assert.Equal((9L, 8L, false), (change.Version, change.PreviousVersion, change.Reset));
        Assert.Equal(["changed"], change.Delta!.Upserted.Select(r => r.Id).ToArray());
        Assert.Equal(["added"], change.Delta.Deleted.Select(k => k.Id).ToArray());
        var entry = (await g.GetAudit(new AuditQuery(PageSize: 1))).List.Single();
        Assert.Equal(("rollback", 2), (entry.Operation, entry.Resources));
    }
}
