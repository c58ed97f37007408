using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.DataPlane;

/// <summary>
/// <c>plugin_configs</c> and <c>consumer_groups</c> end to end: written through the Admin API of a real silo, followed
/// live by a real data plane in front of a real upstream, kept in the snapshot a data plane boots from with the
/// control plane gone, and imported in bulk.
/// </summary>
public class PluginConfigAndConsumerGroupTests
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonNode> Ok(Task<HttpResponseMessage> call)
    {
        var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!;
    }

    private static async Task<(HttpStatusCode Status, string? Header, JsonNode? Body)> Get(DataPlaneProcess dp, string path, string header, string? apikey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (apikey is not null)
        {
            request.Headers.Add("apikey", apikey);
        }
        using var response = await dp.Proxy.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var value = response.Headers.TryGetValues(header, out var values) ? values.First() : null;
        return (response.StatusCode, value, response.IsSuccessStatusCode ? JsonNode.Parse(text) : null);
    }

    [Fact]
    public async Task Routes_take_their_plugin_config_and_consumers_their_group_live_from_a_snapshot_and_in_bulk()
    {
        await using var s3 = await S3rverProcess.StartAsync("res-bucket", "cfg-bucket");
        await using var echo = await EchoUpstream.StartAsync();
        var siloEnv = s3.SiloEnvironment("res-bucket", "cfg-bucket", "@every 1s");
        var silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-pc-cg"), extraEnv: siloEnv);
        using var admin = silo.AdminClient();
        await Ok(admin.PutAsync("/apisix/admin/upstreams/1", Json($$$"""{"nodes":{"{{{echo.Address}}}":1}}""")));
        // The plugin config sets a header for the upstream and one on the response; the route's own proxy-rewrite wins
        // over the plugin config's.
        await Ok(admin.PutAsync("/apisix/admin/plugin_configs/pc", Json("""
            {"desc":"shared","plugins":{
              "proxy-rewrite":{"headers":{"set":{"X-Who":"plugin-config"}}},
              "response-rewrite":{"headers":{"set":{"X-PC":"v1"}}}}}
            """)));
        await Ok(admin.PutAsync("/apisix/admin/routes/shared", Json("""{"uri":"/shared","upstream_id":"1","plugin_config_id":"pc"}""")));
        await Ok(admin.PutAsync("/apisix/admin/routes/own", Json("""
            {"uri":"/own","upstream_id":"1","plugin_config_id":"pc","plugins":{"proxy-rewrite":{"headers":{"set":{"X-Who":"route"}}}}}
            """)));
        // A group of consumers limited together to 2 requests a minute each, tagged on the response; one member has
        // its own limit of 5.
        await Ok(admin.PutAsync("/apisix/admin/consumer_groups/gold", Json("""
            {"plugins":{"limit-count":{"count":2,"time_window":60,"rejected_code":429},"response-rewrite":{"headers":{"set":{"X-Tier":"gold"}}}}}
            """)));
        await Ok(admin.PutAsync("/apisix/admin/consumers", Json("""{"username":"jack","group_id":"gold","plugins":{"key-auth":{"key":"jack-key"}}}""")));
        await Ok(admin.PutAsync("/apisix/admin/consumers", Json("""
            {"username":"vip","group_id":"gold","plugins":{"key-auth":{"key":"vip-key"},"limit-count":{"count":5,"time_window":60}}}
            """)));
        await Ok(admin.PutAsync("/apisix/admin/routes/auth", Json("""{"uri":"/auth","upstream_id":"1","plugins":{"key-auth":{}}}""")));

        // What refers to them holds them.
        var refused = await admin.DeleteAsync("/apisix/admin/plugin_configs/pc");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("can not delete this plugin config, route [own] is still using it now", JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["error_msg"]!.GetValue<string>());
        refused = await admin.DeleteAsync("/apisix/admin/consumer_groups/gold");
        Assert.Equal("can not delete this consumer group, consumer [jack] is still using it now", JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["error_msg"]!.GetValue<string>());
        var dangling = await admin.PutAsync("/apisix/admin/routes/x", Json("""{"uri":"/x","upstream_id":"1","plugin_config_id":"nope"}"""));
        Assert.Equal("failed to fetch plugin config info by plugin config id [nope], response code: 404", JsonNode.Parse(await dangling.Content.ReadAsStringAsync())!["error_msg"]!.GetValue<string>());

        var dpEnv = s3.SiloEnvironment("res-bucket", "cfg-bucket", "@every 1s");
        dpEnv["deployment__role"] = "data_plane";
        dpEnv["deployment__orleans__gateways__0"] = $"127.0.0.1:{silo.GatewayPort}";
        dpEnv["fallback_cp__fallback_after"] = "2s";
        dpEnv["fallback_cp__poll_interval"] = "500ms";
        await using (var dp = await DataPlaneProcess.StartAsync(RepoPaths.TempFolder("og-pc-cg-dp"), dpEnv))
        {
            await dp.Process.WaitUntilAsync(async () => (await dp.Proxy.GetAsync("/auth")).StatusCode == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(30), "the routes applied");

            var shared = await Get(dp, "/shared", "X-PC");
            Assert.Equal((HttpStatusCode.OK, "v1", "plugin-config"), (shared.Status, shared.Header, shared.Body!["headers"]!["x-who"]!.GetValue<string>()));
            var own = await Get(dp, "/own", "X-PC");
            Assert.Equal((HttpStatusCode.OK, "v1", "route"), (own.Status, own.Header, own.Body!["headers"]!["x-who"]!.GetValue<string>()));

            var jack = await Get(dp, "/auth", "X-Tier", "jack-key");
            Assert.Equal((HttpStatusCode.OK, "gold", "jack"), (jack.Status, jack.Header, jack.Body!["headers"]!["x-consumer-username"]!.GetValue<string>()));
            Assert.Equal("2", (await Get(dp, "/auth", "X-RateLimit-Limit", "jack-key")).Header);
            Assert.Equal(HttpStatusCode.TooManyRequests, (await Get(dp, "/auth", "X-Tier", "jack-key")).Status); // the group's limit, per consumer
            Assert.Equal("5", (await Get(dp, "/auth", "X-RateLimit-Limit", "vip-key")).Header); // the consumer's own over the group's

            // Changes reach the data plane live: the plugin config (a sub-path PATCH) and the group.
            await Ok(admin.PatchAsync("/apisix/admin/plugin_configs/pc/plugins/response-rewrite", Json("""{"headers":{"set":{"X-PC":"v2"}}}""")));
            await dp.Process.WaitUntilAsync(async () => (await Get(dp, "/shared", "X-PC")).Header == "v2", TimeSpan.FromSeconds(10), "the plugin config change");
            // (A new limit, so jack, over the old one, is let through again.)
            await Ok(admin.PatchAsync("/apisix/admin/consumer_groups/gold", Json("""
                {"plugins":{"limit-count":{"count":100},"response-rewrite":{"headers":{"set":{"X-Tier":"platinum"}}}}}
                """)));
            await dp.Process.WaitUntilAsync(async () => (await Get(dp, "/auth", "X-Tier", "jack-key")).Header == "platinum", TimeSpan.FromSeconds(10), "the group change");
        }

        // The snapshot carries them: a data plane that starts with the control plane gone serves them from S3.
        var version = (await Ok(admin.GetAsync("/apisix/admin/consumer_groups/gold")))["modifiedIndex"]!.GetValue<long>();
        await silo.Process.WaitUntilAsync(async () =>
            (await Ok(admin.GetAsync("/api/gateway_groups/default/snapshots")))["status"]!["last_version"]?.GetValue<long>() >= version,
            TimeSpan.FromSeconds(20), "a snapshot with the changes");
        var export = await Ok(admin.GetAsync("/apisix/admin/configs"));
        var instance = (await Ok(admin.GetAsync("/api/gateway_groups/default/config")))["config"]!;
        await silo.DisposeAsync();
        dpEnv["fallback_cp__fallback_after"] = "1s";
        await using (var dp = await DataPlaneProcess.StartAsync(RepoPaths.TempFolder("og-pc-cg-dp2"), dpEnv))
        {
            await dp.Process.WaitUntilAsync(async () => (await Get(dp, "/shared", "X-PC")).Header == "v2", TimeSpan.FromSeconds(30), "the plugin config served from S3");
            Assert.Equal("platinum", (await Get(dp, "/auth", "X-Tier", "vip-key")).Header);
        }

        // A bulk import of the export into another group keeps both kinds and their references. Its secrets (the
        // consumers' keys) are sealed with the first group's keyring: the other group takes that keyring first.
        Assert.Single(export["plugin_configs"]!.AsArray());
        Assert.Single(export["consumer_groups"]!.AsArray());
        var other = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-pc-cg-2"));
        await using (other)
        {
            using var admin2 = other.AdminClient();
            var foreign = await admin2.PutAsync("/apisix/admin/configs", Json(export.ToJsonString()));
            Assert.StartsWith("cannot decrypt consumers", JsonNode.Parse(await foreign.Content.ReadAsStringAsync())!["error_msg"]!.GetValue<string>());
            await Ok(admin2.PutAsync("/api/gateway_groups/default/config", Json(instance.ToJsonString())));
            await Ok(admin2.PutAsync("/apisix/admin/configs", Json(export.ToJsonString())));
            Assert.Equal("jack-key", (await Ok(admin2.GetAsync("/apisix/admin/consumers/jack")))["value"]!["plugins"]!["key-auth"]!["key"]!.GetValue<string>());
            Assert.Equal("pc", (await Ok(admin2.GetAsync("/apisix/admin/routes/own")))["value"]!["plugin_config_id"]!.GetValue<string>());
            Assert.Equal("gold", (await Ok(admin2.GetAsync("/apisix/admin/consumers/jack")))["value"]!["group_id"]!.GetValue<string>());
            var broken = (JsonObject)export.DeepClone();
            broken["consumer_groups"] = new JsonArray();
            var response = await admin2.PutAsync("/apisix/admin/configs", Json(broken.ToJsonString()));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("invalid configuration: consumers \"jack\" references consumer_groups \"gold\", which is not in the set",
                JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error_msg"]!.GetValue<string>());
        }
    }
}
