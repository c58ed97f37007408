using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.ControlPlane;

/// <summary>
/// The audit log, diffs and rollbacks through the Admin API of a real embedded silo (SQLite), snapshotting to a real
/// S3-protocol server, proxying a real upstream: who changed what, what changed between two versions or against a
/// snapshot, a rollback the proxy serves, all surviving a restart.
/// </summary>
public sealed class AuditHistoryTests : IAsyncLifetime
{
    private const string AdminKey = "history-admin-key-0123456789";
    private const string ViewerKey = "history-viewer-key-0123456789";
    private const string ResourceBucket = "history-resources";
    private const string ConfigBucket = "history-config";

    private S3rverProcess _s3 = null!;
    private EchoUpstream _echo = null!;
    private SiloProcess _silo = null!;
    private string _dir = null!;
    private HttpClient _admin = null!;
    private HttpClient _viewer = null!;

    public async Task InitializeAsync()
    {
        _s3 = await S3rverProcess.StartAsync(ResourceBucket, ConfigBucket);
        _echo = await EchoUpstream.StartAsync();
        _dir = RepoPaths.TempFolder("og-history");
        await StartSiloAsync();
    }

    private async Task StartSiloAsync((int, int, int)? ports = null, (int, int)? proxy = null)
    {
        var env = _s3.SiloEnvironment(ResourceBucket, ConfigBucket, "@every 1h");
        env["deployment__admin__admin_key__0__name"] = "ops";
        env["deployment__admin__admin_key__0__key"] = AdminKey;
        env["deployment__admin__admin_key__1__name"] = "auditor";
        env["deployment__admin__admin_key__1__key"] = ViewerKey;
        env["deployment__admin__admin_key__1__role"] = "viewer";
        env["deployment__admin__audit__max_versions"] = "100";
        _silo = await SiloProcess.StartAsync(_dir, ports, env, proxy);
        _admin = _silo.AdminClient();
        _viewer = new HttpClient { BaseAddress = _silo.Http.BaseAddress };
        _viewer.DefaultRequestHeaders.Add("X-API-KEY", ViewerKey);
    }

    private async Task StopSiloAsync()
    {
        _admin.Dispose();
        _viewer.Dispose();
        await _silo.DisposeAsync();
    }

    public async Task DisposeAsync()
    {
        await StopSiloAsync();
        await _echo.DisposeAsync();
        await _s3.DisposeAsync();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<long> PutAsync(string path, string body)
    {
        var response = await _admin.PutAsync(path, Json(body));
        Assert.True(response.IsSuccessStatusCode, $"{path}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["modifiedIndex"]!.GetValue<long>();
    }

    private static async Task<(HttpStatusCode Status, JsonNode Body)> GetAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private string Route(string uri) => $$"""{"uri":"{{uri}}","upstream_id":"1"}""";

    [Fact]
    public async Task An_operator_finds_who_changed_what_compares_versions_and_rolls_back_what_the_proxy_then_serves()
    {
        using var proxy = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_silo.ProxyPort}") };
        await PutAsync("/apisix/admin/upstreams/1", $$$"""{"type":"roundrobin","nodes":{"{{{_echo.Address}}}":1}}""");
        var good = await PutAsync("/apisix/admin/routes/r", Route("/good"));
        var bad = await PutAsync("/apisix/admin/routes/r", Route("/bad"));
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PutAsync("/apisix/admin/routes/r", Json("""{"uri":7}"""))).StatusCode);
        await _silo.Process.WaitUntilAsync(async () => (await proxy.GetAsync("/bad")).IsSuccessStatusCode, TimeSpan.FromSeconds(15), "the proxy serving /bad");

        // Who changed what: a viewer key reads the log; the refused write is not in it.
        var (status, log) = await GetAsync(_viewer, "/api/gateway_groups/default/changes?kind=routes");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, log["total"]!.GetValue<int>());
        var newest = log["list"]![0]!;
        Assert.Equal((bad, "update", "routes", "r", "ops", "127.0.0.1"),
            (newest["version"]!.GetValue<long>(), newest["operation"]!.ToString(), newest["kind"]!.ToString(), newest["id"]!.ToString(),
             newest["key_name"]!.ToString(), newest["client"]!.ToString()));
        Assert.True(DateTimeOffset.Parse(newest["time"]!.ToString()) > DateTimeOffset.UtcNow.AddMinutes(-5));
        Assert.DoesNotContain(AdminKey, log.ToJsonString());
        Assert.Equal(0, (await GetAsync(_viewer, "/api/gateway_groups/default/changes?key_name=auditor")).Body["total"]!.GetValue<int>());
        var (badQuery, badBody) = await GetAsync(_viewer, "/api/gateway_groups/default/changes?since=yesterday");
        Assert.Equal(HttpStatusCode.BadRequest, badQuery);
        Assert.Contains("\"since\"", badBody["error_msg"]!.ToString());
        Assert.Contains("\"kind\"", (await GetAsync(_viewer, "/api/gateway_groups/default/changes?kind=route")).Body["error_msg"]!.ToString());
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(_viewer, "/api/gateway_groups/nope/changes")).Status);

        // What changed between the two versions.
        var (diffStatus, diff) = await GetAsync(_viewer, $"/api/gateway_groups/default/diff?from={good}&to={bad}");
        Assert.Equal(HttpStatusCode.OK, diffStatus);
        var op = diff["changed"]![0]!["diff"]![0]!;
        Assert.Equal(("replace", "/uri", "/good", "/bad"), (op["op"]!.ToString(), op["path"]!.ToString(), op["old"]!.ToString(), op["value"]!.ToString()));
        Assert.Contains("\"from\"", (await GetAsync(_viewer, "/api/gateway_groups/default/diff")).Body["error_msg"]!.ToString());

        // A viewer cannot roll back; an admin can, and the proxy serves the version rolled back to.
        Assert.Equal(HttpStatusCode.Unauthorized, (await _viewer.PostAsync($"/api/gateway_groups/default/rollback?to={good}", null)).StatusCode);
        var rollback = await _admin.PostAsync($"/api/gateway_groups/default/rollback?to={good}", null);
        Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        var rolled = JsonNode.Parse(await rollback.Content.ReadAsStringAsync())!;
        Assert.Equal(("history", bad + 1), (rolled["source"]!.ToString(), rolled["version"]!.GetValue<long>()));
        await _silo.Process.WaitUntilAsync(async () => (await proxy.GetAsync("/good")).IsSuccessStatusCode && (await proxy.GetAsync("/bad")).StatusCode == HttpStatusCode.NotFound,
            TimeSpan.FromSeconds(15), "the proxy serving /good again");
        var entry = (await GetAsync(_viewer, "/api/gateway_groups/default/changes?page_size=1")).Body["list"]![0]!;
        Assert.Equal(("rollback", "ops", $"to version {good}", 1), (entry["operation"]!.ToString(), entry["key_name"]!.ToString(), entry["detail"]!.ToString(), entry["resources"]!.GetValue<int>()));

        // The log and the history survive a restart of the silo.
        var ports = (_silo.AdminPort, _silo.SiloPort, _silo.GatewayPort);
        var proxyPorts = (_silo.ProxyPort, _silo.StatusPort);
        await StopSiloAsync();
        await StartSiloAsync(ports, proxyPorts);
        var afterRestart = (await GetAsync(_viewer, "/api/gateway_groups/default/changes")).Body;
        Assert.Equal(bad + 2, afterRestart["total"]!.GetValue<int>()); // versions 0 (the group's creation) to bad + 1
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(_viewer, $"/api/gateway_groups/default/diff?from={good}&to={bad}")).Status);
    }

    [Fact]
    public async Task Snapshots_can_be_compared_with_the_live_group_and_take_over_a_rollback_the_history_no_longer_reaches()
    {
        await PutAsync("/apisix/admin/upstreams/1", $$$"""{"type":"roundrobin","nodes":{"{{{_echo.Address}}}":1}}""");
        await PutAsync("/apisix/admin/consumers/jack", """{"username":"jack","plugins":{"key-auth":{"key":"jack-secret-value"}}}""");
        var snapshotted = await PutAsync("/apisix/admin/routes/r", Route("/snap"));
        var take = await _admin.PostAsync("/api/gateway_groups/default/snapshots?force=true", null);
        Assert.Equal(HttpStatusCode.OK, take.StatusCode);
        Assert.Equal(snapshotted, JsonNode.Parse(await take.Content.ReadAsStringAsync())!["last_version"]!.GetValue<long>());

        await PutAsync("/apisix/admin/routes/r", Route("/later"));
        await PutAsync("/apisix/admin/consumers/jack", """{"username":"jack","plugins":{"key-auth":{"key":"jack-other-value"}}}""");
        var (status, diff) = await GetAsync(_viewer, $"/api/gateway_groups/default/diff?snapshot={snapshotted}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("snapshot", snapshotted), (diff["source"]!.ToString(), diff["from"]!.GetValue<long>()));
        Assert.Equal(["routes/r", "consumers/jack"], diff["changed"]!.AsArray().Select(c => $"{c!["kind"]}/{c["id"]}").ToArray());
        Assert.DoesNotContain("jack-", diff.ToJsonString().Replace("\"jack\"", ""));
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(_viewer, "/api/gateway_groups/default/diff?snapshot=999")).Status);

        // Past the retention (100 versions here, dropped in steps of 100), the history cannot rebuild the snapshotted version: the snapshot can.
        for (var i = 0; i < 200; i++)
        {
            await PutAsync("/apisix/admin/routes/filler", Route("/filler" + i));
        }
        await _silo.Process.WaitUntilAsync(async () => (await GetAsync(_viewer, "/api/gateway_groups/default/changes?page_size=1")).Body["history_from"]!.GetValue<long>() > snapshotted,
            TimeSpan.FromSeconds(15), "the history dropped past the retention (in the background)");
        var (gone, goneBody) = await GetAsync(_viewer, $"/api/gateway_groups/default/diff?from={snapshotted}&to={snapshotted + 1}");
        Assert.Equal(HttpStatusCode.Gone, gone);
        Assert.Contains("older than its retained history", goneBody["error_msg"]!.ToString());
        // A new keyring meanwhile (the old key retired): the rollback keeps it, and opens the snapshot's secrets anyway.
        var rotated = await _admin.PutAsync("/api/gateway_groups/default/config", Json("""{"data_encryption":{"keyring":["a-fresh-keyring-entry-000000001"]}}"""));
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var rollback = await _admin.PostAsync($"/api/gateway_groups/default/rollback?to={snapshotted}", null);
        Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        Assert.Equal("snapshot", JsonNode.Parse(await rollback.Content.ReadAsStringAsync())!["source"]!.ToString());
        var config = (await GetAsync(_admin, "/api/gateway_groups/default/config")).Body;
        Assert.Equal("a-fresh-keyring-entry-000000001", config["config"]!["data_encryption"]!["keyring"]![0]!.ToString());
        Assert.Equal("/snap", (await GetAsync(_admin, "/apisix/admin/routes/r")).Body["value"]!["uri"]!.ToString());
        Assert.Equal("jack-secret-value", (await GetAsync(_admin, "/apisix/admin/consumers/jack")).Body["value"]!["plugins"]!["key-auth"]!["key"]!.ToString());
        var entry = (await GetAsync(_viewer, "/api/gateway_groups/default/changes?page_size=1")).Body["list"]![0]!;
        Assert.Equal(("rollback", $"from snapshot version {snapshotted}"), (entry["operation"]!.ToString(), entry["detail"]!.ToString()));

        // Neither history nor snapshot: refused, nothing changed.
        var version = (await GetAsync(_admin, "/api/gateway_groups/default")).Body["version"]!.GetValue<long>();
        var refused = await _admin.PostAsync($"/api/gateway_groups/default/rollback?to={snapshotted + 1}", null);
        Assert.Equal(HttpStatusCode.Gone, refused.StatusCode);
        Assert.Contains("nothing was changed", await refused.Content.ReadAsStringAsync());
        Assert.Equal(version, (await GetAsync(_admin, "/api/gateway_groups/default")).Body["version"]!.GetValue<long>());

        // A restore through the snapshot endpoint is audited as one.
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsync($"/api/gateway_groups/default/snapshots/{snapshotted}/restore", null)).StatusCode);
        var restore = (await GetAsync(_viewer, "/api/gateway_groups/default/changes?operation=restore")).Body["list"]![0]!;
        Assert.Equal(("ops", $"from snapshot version {snapshotted}"), (restore["key_name"]!.ToString(), restore["detail"]!.ToString()));
    }
}
