using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.Deployment;

/// <summary>
/// scripts/topology.sh, the compose topology as plain processes: a route made through silo 1's Admin API is proxied by
/// both data planes, and <c>stop</c> ends every process <c>start</c> began.
/// </summary>
public class TopologyScriptTests
{
    private static readonly string Script = Path.Combine(RepoPaths.Root, "scripts", "topology.sh");

    private static readonly string[] Components = ["upstream", "s3", "silo1", "silo2", "silo3", "dp1", "dp2"];

    private static Task<ExternalCommand.Result> TopologyAsync(string command, IDictionary<string, string?> environment, TimeSpan timeout) =>
        ExternalCommand.RunAsync("bash", [Script, command], environment, timeout);

    [Fact]
    public async Task Start_serves_a_route_made_on_silo_1_through_both_data_planes_and_stop_ends_every_process()
    {
        var runDir = RepoPaths.TempFolder("og-topology");
        var database = "og_topo_" + Guid.NewGuid().ToString("N")[..12];
        var environment = new Dictionary<string, string?>
        {
            ["TOPOLOGY_DIR"] = runDir,
            ["TOPOLOGY_PORT_BASE"] = FreePorts.NextBlock(53).ToString(),
            ["TOPOLOGY_DB"] = database,
            ["TOPOLOGY_CONFIGURATION"] = RepoPaths.Configuration,
            ["OG_TEST_POSTGRES"] = PostgresDatabase.ServerConnectionString,
        };
        try
        {
            var start = await TopologyAsync("start", environment, TimeSpan.FromMinutes(6));
            Assert.True(start.ExitCode == 0, start.ToString());
            var ports = File.ReadAllLines(Path.Combine(runDir, "ports.env"))
                .Select(line => line.Split('=', 2))
                .ToDictionary(kv => kv[0], kv => kv[1]);
            Assert.Contains(ports["ADMIN_KEY_FILE"], start.Output);
            var pids = Components.Select(c => int.Parse(File.ReadAllText(Path.Combine(runDir, c, "pid")).Trim())).ToArray();
            Assert.All(pids, pid => Assert.True(IsRunning(pid), $"pid {pid} should run after start"));

            using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports["SILO1_ADMIN_PORT"]}"), Timeout = TimeSpan.FromSeconds(30) };
            admin.DefaultRequestHeaders.Add("X-API-KEY", File.ReadAllText(ports["ADMIN_KEY_FILE"]).Trim());
            await EventuallyAsync(async () => JsonNode.Parse(await admin.GetStringAsync("/api/cluster/silos"))!["active"]!.GetValue<int>() == 3,
                TimeSpan.FromSeconds(60), "three active silos in silo 1's membership view");

            var upstream = await admin.PutAsync("/apisix/admin/upstreams/topology-echo",
                Json($$$"""{"type":"roundrobin","nodes":{"127.0.0.1:{{{ports["UPSTREAM_PORT"]}}}":1}}"""));
            Assert.True(upstream.IsSuccessStatusCode, await upstream.Content.ReadAsStringAsync());
            var route = await admin.PutAsync("/apisix/admin/routes/topology-ip", Json("""{"uri":"/ip","methods":["GET"],"upstream_id":"topology-echo"}"""));
            Assert.True(route.IsSuccessStatusCode, await route.Content.ReadAsStringAsync());

            foreach (var dp in new[] { "DP1", "DP2" })
            {
                using var proxy = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports[dp + "_PROXY_PORT"]}"), Timeout = TimeSpan.FromSeconds(10) };
                await EventuallyAsync(async () =>
                {
                    var response = await proxy.GetAsync("/ip");
                    return response.StatusCode == HttpStatusCode.OK &&
                        JsonNode.Parse(await response.Content.ReadAsStringAsync())?["origin"]?.GetValue<string>() == "127.0.0.1";
                }, TimeSpan.FromSeconds(60), $"{dp} proxying GET /ip to the upstream");
                // Followed live from the control plane. On a busy machine the DP can connect after its fallback_after and
                // serve the snapshot first; it must then come back to the control plane by itself.
                using var status = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports[dp + "_STATUS_PORT"]}"), Timeout = TimeSpan.FromSeconds(10) };
                JsonNode state = new JsonObject();
                await EventuallyAsync(async () =>
                {
                    state = JsonNode.Parse(await status.GetStringAsync("/status"))!;
                    return state["mode"]!.GetValue<string>() == "control_plane";
                }, TimeSpan.FromSeconds(60), $"{dp} following the control plane");
                Assert.True(state["control_plane_connected"]!.GetValue<bool>(), state.ToJsonString());
                Assert.Equal("mtls", state["orleans_transport"]!.GetValue<string>());
            }

            var stop = await TopologyAsync("stop", environment, TimeSpan.FromMinutes(2));
            Assert.True(stop.ExitCode == 0, stop.ToString());
            Assert.All(pids, pid => Assert.False(IsRunning(pid), $"pid {pid} still runs after stop"));
            Assert.All(Components, c => Assert.False(File.Exists(Path.Combine(runDir, c, "pid")), $"{c}'s pid file is left"));
        }
        finally
        {
            await TopologyAsync("stop", environment, TimeSpan.FromMinutes(2));
            await DropDatabaseAsync(database);
            try
            {
                Directory.Delete(runDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>A process runs when /proc knows it and it is not a zombie waiting to be reaped.</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state is not ("Z" or "X");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                last = e;
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"{what} did not happen within {timeout}" + (last is null ? "" : $"; last error: {last.Message}"));
    }

    private static async Task DropDatabaseAsync(string name)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(PostgresDatabase.ServerConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
