using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.DataPlane;

/// <summary>
/// The seed document's procedure: the CP dumps to S3; a DP in standalone mode (config_provider: yaml plus the
/// fallback_cp block, with an endpoint for the local S3-compatible server) serves /ip from S3 alone.
/// </summary>
public class StandaloneDataPlaneTests
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_standalone_data_plane_serves_from_s3_follows_changes_and_restarts_from_its_cache()
    {
        await using var s3 = await S3rverProcess.StartAsync("res-bucket", "cfg-bucket");
        await using var echo = await EchoUpstream.StartAsync();
        var silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-sa-cp"), extraEnv: s3.SiloEnvironment("res-bucket", "cfg-bucket", "@every 1s"));
        using var admin = silo.AdminClient();
        Assert.True((await admin.PutAsync("/apisix/admin/upstreams/1", Json($$$"""{"type":"roundrobin","nodes":{"{{{echo.Address}}}":1}}"""))).IsSuccessStatusCode);
        Assert.True((await admin.PutAsync("/apisix/admin/routes/1", Json("""{"uri":"/ip","methods":["GET"],"upstream_id":"1"}"""))).IsSuccessStatusCode);

        var env = s3.SiloEnvironment("res-bucket", "cfg-bucket", "@every 1s");
        env["deployment__role"] = "data_plane";
        env["deployment__role_data_plane__config_provider"] = "yaml";
        env["fallback_cp__poll_interval"] = "500ms";
        var dpDir = RepoPaths.TempFolder("og-sa-dp");
        var dp = await DataPlaneProcess.StartAsync(dpDir, env);
        await dp.Process.WaitUntilAsync(async () => (await dp.Proxy.GetAsync("/ip")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "GET /ip through the data plane");

        var ip = JsonNode.Parse(await dp.Proxy.GetStringAsync("/ip"))!;
        Assert.Equal("127.0.0.1", ip["origin"]!.GetValue<string>());
        Assert.Equal("/ip", ip["path"]!.GetValue<string>());
        Assert.Equal($"127.0.0.1:{dp.ProxyPort}", ip["host"]!.GetValue<string>()); // pass_host: pass
        var status = JsonNode.Parse(await dp.Status.GetStringAsync("/status"))!;
        Assert.Equal("standalone", status["mode"]!.GetValue<string>());
        Assert.False(status["control_plane_connected"]!.GetValue<bool>());

        var missing = await dp.Proxy.GetAsync("/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("""{"error_msg":"404 Route Not Found"}""", await missing.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await dp.Proxy.PostAsync("/ip", null)).StatusCode);

        // A change on the CP reaches the standalone DP through S3.
        await admin.PutAsync("/apisix/admin/routes/2", Json("""{"uri":"/anything/*","upstream_id":"1"}"""));
        await dp.Process.WaitUntilAsync(async () => (await dp.Proxy.GetAsync("/anything/at/all")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "the new route through the data plane");
        var version = JsonNode.Parse(await dp.Status.GetStringAsync("/status"))!["version"]!.GetValue<long>();

        // CP and S3 both gone: a restarted DP serves its cached configuration.
        await silo.DisposeAsync();
        s3.Stop();
        var ports = (dp.ProxyPort, dp.StatusPort);
        await dp.DisposeAsync();
        await using var restarted = await DataPlaneProcess.StartAsync(dpDir, env, ports);
        await restarted.Process.WaitUntilAsync(async () => (await restarted.Proxy.GetAsync("/ip")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "GET /ip from the cache");
        var cached = JsonNode.Parse(await restarted.Status.GetStringAsync("/status"))!;
        Assert.Equal("cache", cached["source"]!.GetValue<string>());
        Assert.Equal(version, cached["version"]!.GetValue<long>());
        Assert.True((await restarted.Proxy.GetAsync("/anything/else")).IsSuccessStatusCode);
        await restarted.Process.WaitUntilAsync(async () =>
            JsonNode.Parse(await restarted.Status.GetStringAsync("/status"))!["last_poll"]?["result"]?.GetValue<string>() == "unreachable",
            TimeSpan.FromSeconds(30), "/status reporting the unreachable fallback store");
        Assert.Equal(version, JsonNode.Parse(await restarted.Status.GetStringAsync("/status"))!["version"]!.GetValue<long>());
    }
}
