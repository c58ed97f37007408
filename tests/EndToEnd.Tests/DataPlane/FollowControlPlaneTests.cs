using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.DataPlane;

/// <summary>A data plane following a real silo over Orleans, falling back to S3 by itself and coming back.</summary>
public class FollowControlPlaneTests
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonNode> StatusAsync(DataPlaneProcess dp) => JsonNode.Parse(await dp.Status.GetStringAsync("/status"))!;

    [Fact]
    public async Task Follows_changes_live_survives_the_cp_dying_without_dropping_requests_and_returns_to_it()
    {
        await using var s3 = await S3rverProcess.StartAsync("res-bucket", "cfg-bucket");
        await using var echo = await EchoUpstream.StartAsync();
        var siloDir = RepoPaths.TempFolder("og-follow-cp");
        var siloEnv = s3.SiloEnvironment("res-bucket", "cfg-bucket", "@every 1s");
        var silo = await SiloProcess.StartAsync(siloDir, extraEnv: siloEnv);
        var ports = (silo.AdminPort, silo.SiloPort, silo.GatewayPort);
        var admin = silo.AdminClient();
        await admin.PutAsync("/apisix/admin/upstreams/1", Json($$$"""{"nodes":{"{{{echo.Address}}}":1}}"""));
        await admin.PutAsync("/apisix/admin/routes/1", Json("""{"uri":"/ip","upstream_id":"1"}"""));

        var dpEnv = s3.SiloEnvironment("res-bucket", "cfg-bucket", "@every 1s");
        dpEnv["deployment__role"] = "data_plane";
        dpEnv["deployment__orleans__gateways__0"] = $"127.0.0.1:{silo.GatewayPort}";
        dpEnv["fallback_cp__fallback_after"] = "2s";
        dpEnv["fallback_cp__poll_interval"] = "500ms";
        await using var dp = await DataPlaneProcess.StartAsync(RepoPaths.TempFolder("og-follow-dp"), dpEnv);
        await dp.Process.WaitUntilAsync(async () => (await dp.Proxy.GetAsync("/ip")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "GET /ip via the control plane");
        // On a busy machine the first connection can take longer than fallback_after (2 s): the data plane then serves
        // from S3 first, and moves to the control plane when it answers.
        await dp.Process.WaitUntilAsync(async () => (await StatusAsync(dp))["mode"]!.GetValue<string>() == "control_plane", TimeSpan.FromSeconds(30), "following the control plane");
        var status = await StatusAsync(dp);
        Assert.Equal("control_plane", status["mode"]!.GetValue<string>());
        Assert.True(status["control_plane_connected"]!.GetValue<bool>());

        // A change reaches the DP live.
        var started = DateTime.UtcNow;
        await admin.PutAsync("/apisix/admin/routes/2", Json("""{"uri":"/live","upstream_id":"1"}"""));
        await dp.Process.WaitUntilAsync(async () => (await dp.Proxy.GetAsync("/live")).IsSuccessStatusCode, TimeSpan.FromSeconds(10), "the new route via the stream");
        await dp.Process.WaitUntilAsync(async () =>
            JsonNode.Parse(await admin.GetStringAsync("/api/gateway_groups/default/instances"))!["list"]![0]!["status"]!.GetValue<string>() == "healthy",
            TimeSpan.FromSeconds(10), "the DP listed as healthy (registered, at the group's version)");

        // Steady load while the CP dies and comes back: no request may fail.
        var failures = 0;
        var sent = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var load = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var response = await dp.Proxy.GetAsync("/ip", stop.Token);
                    Interlocked.Increment(ref sent);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failures);
                }
                catch (TaskCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                await Task.Delay(20);
            }
        });

        silo.Process.Kill();
        await silo.DisposeAsync();
        await dp.Process.WaitUntilAsync(async () => (await StatusAsync(dp))["mode"]!.GetValue<string>() == "fallback", TimeSpan.FromSeconds(30), "fallback mode");
        Assert.False((await StatusAsync(dp))["control_plane_connected"]!.GetValue<bool>());

        silo = await SiloProcess.StartAsync(siloDir, ports, siloEnv);
        admin.Dispose();
        admin = silo.AdminClient();
        await dp.Process.WaitUntilAsync(async () => (await StatusAsync(dp))["mode"]!.GetValue<string>() == "control_plane", TimeSpan.FromSeconds(60), "back on the control plane");
        await admin.PutAsync("/apisix/admin/routes/3", Json("""{"uri":"/after","upstream_id":"1"}"""));
        await dp.Process.WaitUntilAsync(async () => (await dp.Proxy.GetAsync("/after")).IsSuccessStatusCode, TimeSpan.FromSeconds(15), "a change after the CP came back");

        stop.Cancel();
        await load;
        Assert.True(sent > 50, $"only {sent} requests were sent");
        Assert.Equal(0, failures);
        admin.Dispose();
        await silo.DisposeAsync();
    }

    [Fact]
    public async Task Started_with_the_cp_down_it_serves_from_s3_and_refuses_a_tampered_snapshot()
    {
        await using var s3 = await S3rverProcess.StartAsync("res-bucket", "cfg-bucket");
        await using var echo = await EchoUpstream.StartAsync();
        var silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-down-cp"), extraEnv: s3.SiloEnvironment("res-bucket", "cfg-bucket", "@every 1s"));
        using (var admin = silo.AdminClient())
        {
            await admin.PutAsync("/apisix/admin/upstreams/1", Json($$$"""{"nodes":{"{{{echo.Address}}}":1}}"""));
            await admin.PutAsync("/apisix/admin/routes/1", Json("""{"uri":"/ip","upstream_id":"1"}"""));
            await silo.Process.WaitUntilAsync(async () =>
                JsonNode.Parse(await admin.GetStringAsync("/api/gateway_groups/default/snapshots"))!["status"]!["last_version"]?.GetValue<long>() >= 2,
                TimeSpan.FromSeconds(20), "a snapshot of version 2");
        }
        var gatewayPort = silo.GatewayPort;
        await silo.DisposeAsync(); // the CP is gone before the DP ever starts

        var env = s3.SiloEnvironment("res-bucket", "cfg-bucket", "@every 1s");
        env["deployment__role"] = "data_plane";
        env["deployment__orleans__gateways__0"] = $"127.0.0.1:{gatewayPort}";
        env["fallback_cp__fallback_after"] = "1s";
        env["fallback_cp__poll_interval"] = "500ms";
        await using var dp = await DataPlaneProcess.StartAsync(RepoPaths.TempFolder("og-down-dp"), env);
        Assert.Equal(HttpStatusCode.NotFound, (await dp.Proxy.GetAsync("/ip")).StatusCode); // nothing applied yet: serving starts empty, at once
        await dp.Process.WaitUntilAsync(async () => (await dp.Proxy.GetAsync("/ip")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "GET /ip served from S3");
        var status = await StatusAsync(dp);
        Assert.Equal(("fallback", 2L), (status["mode"]!.GetValue<string>(), status["version"]!.GetValue<long>()));

        // Someone puts a newer but tampered snapshot in the bucket: refused, the served version stays. It is written
        // to a folder first and copied to S3 with its data object damaged, manifests last, so that the data plane can
        // never see the undamaged one (it polls every 500 ms).
        using var store = new OrleansGateway.Snapshots.Stores.S3SnapshotStore(s3.StoreConfig("res-bucket", "cfg-bucket"));
        var staging = new OrleansGateway.Snapshots.Stores.FolderSnapshotStore(RepoPaths.TempFolder("og-tampered"));
        var writer = new OrleansGateway.Snapshots.SnapshotWriter(staging, new("res-bucket", "cfg-bucket"), null, 10, TimeProvider.System);
        var (manifest, _) = await writer.WriteAsync(new OrleansGateway.Contracts.Grains.GroupExport("default", 9, [], "{}"), CancellationToken.None);
        foreach (var bucket in new[] { "res-bucket", "cfg-bucket" })
        {
            var objects = await staging.ListAsync(bucket, "", CancellationToken.None);
            foreach (var item in objects.OrderBy(o => o.Key.EndsWith("latest.json", StringComparison.Ordinal)))
            {
                var data = (await staging.GetAsync(bucket, item.Key, null, CancellationToken.None))!.Data;
                if (bucket == "res-bucket" && item.Key == manifest.Object)
                {
                    data[data.Length / 2] ^= 0x5a;
                }
                await store.PutAsync(bucket, item.Key, data, item.Key.EndsWith(".json", StringComparison.Ordinal) ? "application/json" : "application/gzip", CancellationToken.None);
            }
        }
        await dp.Process.WaitUntilAsync(async () => (await StatusAsync(dp))["refused_snapshots"]!.GetValue<long>() >= 1, TimeSpan.FromSeconds(20), "the tampered snapshot refused");
        status = await StatusAsync(dp);
        Assert.Equal(2, status["version"]!.GetValue<long>());
        Assert.Contains("SHA-256", status["last_poll"]!["error"]!.GetValue<string>());
        Assert.True((await dp.Proxy.GetAsync("/ip")).IsSuccessStatusCode);
    }
}
