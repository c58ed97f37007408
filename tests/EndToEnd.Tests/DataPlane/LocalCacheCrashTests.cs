using System.Text;
using System.Text.Json.Nodes;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.DataPlane;

/// <summary>
/// The local cache under kill -9: a data plane following a stream of single-route changes is killed at three moments,
/// and each time restarts with the control plane and the snapshot store both gone. It must start from its cache, at a
/// version it had served (never newer than what it reported, never a torn file), serving that version's routes.
/// </summary>
public class LocalCacheCrashTests
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_data_plane_killed_while_changes_stream_in_restarts_from_its_cache_at_a_version_it_served()
    {
        await using var echo = await EchoUpstream.StartAsync();
        await using var silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-crash-silo"), extraEnv: new Dictionary<string, string> { ["deployment__role"] = "control_plane" });
        using var admin = silo.AdminClient();
        (await admin.PutAsync("/apisix/admin/upstreams/u", Json($$$"""{"nodes":{"{{{echo.Address}}}":1}}"""))).EnsureSuccessStatusCode();
        var dir = RepoPaths.TempFolder("og-crash-dp");
        var emptyStore = RepoPaths.TempFolder("og-crash-empty-store");
        Dictionary<string, string> Env(int gatewayPort) => new()
        {
            ["deployment__role"] = "data_plane",
            ["deployment__orleans__gateways__0"] = $"127.0.0.1:{gatewayPort}",
            ["fallback_cp__folder"] = emptyStore,
            ["fallback_cp__fallback_after"] = "30s",
        };

        var route = 0;
        for (var crash = 0; crash < 3; crash++)
        {
            long served;
            await using (var dp = await DataPlaneProcess.StartAsync(dir, Env(silo.GatewayPort)))
            {
                await dp.Process.WaitUntilAsync(async () => (await Status(dp))["mode"]!.GetValue<string>() == "control_plane", TimeSpan.FromSeconds(30), "following the CP");
                // Changes stream in; the DP is killed at a moment of its own, between (or during) cache writes.
                using var writes = new CancellationTokenSource();
                var writer = Task.Run(async () =>
                {
                    for (var i = 0; i < 400 && !writes.IsCancellationRequested; i++)
                    {
                        var id = Interlocked.Increment(ref route);
                        await admin.PutAsync($"/apisix/admin/routes/r{id}", Json($$$"""{"uri":"/r{{{id}}}","upstream_id":"u"}"""));
                    }
                });
                await dp.Process.WaitUntilAsync(async () => (await Status(dp))["version"]!.GetValue<long>() >= route - 5 && route > 20 * (crash + 1), TimeSpan.FromSeconds(60), "some changes applied");
                await Task.Delay(Random.Shared.Next(0, 40));
                served = (await Status(dp))["version"]!.GetValue<long>();
                dp.Process.Kill();
                writes.Cancel();
                await writer;
            }

            // The CP and the store are gone (a port nothing listens on, an empty folder): only the cache is left.
            await using var restarted = await DataPlaneProcess.StartAsync(dir, Env(FreePorts.Next()));
            await restarted.Process.WaitUntilAsync(async () => (await Status(restarted))["mode"]!.GetValue<string>() == "cache", TimeSpan.FromSeconds(30), "serving the cache");
            var status = await Status(restarted);
            var version = status["version"]!.GetValue<long>();
            Assert.True(version >= served - 50 && version > 1, $"restarted at version {version}; it had served {served} moments before the kill");
            Assert.DoesNotContain("unreadable", restarted.Process.Output);
            // Its newest route is served, so the version is whole, not a torn mix: route r{n} was added at version n + 1.
            Assert.True((await restarted.Proxy.GetAsync($"/r{version - 1}")).IsSuccessStatusCode, $"route r{version - 1} of version {version}");
            Assert.False((await restarted.Proxy.GetAsync($"/r{version}")).IsSuccessStatusCode, $"route r{version} came after version {version}");
        }
    }

    private static async Task<JsonNode> Status(DataPlaneProcess dp) => JsonNode.Parse(await dp.Status.GetStringAsync("/status"))!;
}
