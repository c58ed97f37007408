using System.Net;
using System.Text.Json.Nodes;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.Dashboard;

/// <summary>The dashboard of a two-silo PostgreSQL cluster: one login shows both silos.</summary>
public class DashboardClusterTests
{
    private const string Key = "dashboard-e2e-cluster-key-0123456789";

    [Fact]
    public async Task A_login_on_one_silo_shows_every_silo_of_the_cluster()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        var env = new Dictionary<string, string>
        {
            ["deployment__orleans__postgresql__connection_string"] = db.ConnectionString,
            ["deployment__orleans__cluster_id"] = db.Name,
            ["deployment__admin__admin_key__0__key"] = Key,
            ["deployment__role"] = "control_plane",
            ["deployment__admin__dashboard__metrics_idle_after"] = "3s",
        };
        env.SetAll(TestPki.Shared.SiloEnv());
        var silos = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => SiloProcess.StartAsync(RepoPaths.TempFolder("og-dash-pg"), extraEnv: env)));
        try
        {
            using var requests = new DashboardRequests(silos[0].AdminPort);
            var session = await requests.SessionAsync(Key);
            JsonArray hosts = [];
            await silos[0].Process.WaitUntilAsync(async () =>
            {
                var response = await requests.GetAsync("/dashboard/DashboardCounters", session);
                hosts = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["hosts"]!.AsArray();
                return hosts.Count(h => h!["status"]!.GetValue<string>() == "Active") == 2;
            }, TimeSpan.FromSeconds(60), "the dashboard lists two active silos");
            foreach (var silo in silos)
            {
                Assert.Contains(hosts, h => h!["siloAddress"]!.GetValue<string>().Contains($":{silo.SiloPort}@", StringComparison.Ordinal));
            }

            // The session is this silo's: the other silo's dashboard asks for its own login (its cookie name differs too).
            using var other = new DashboardRequests(silos[1].AdminPort);
            Assert.NotEqual(requests.CookieName, other.CookieName);
            Assert.Equal(HttpStatusCode.Unauthorized, (await other.GetAsync("/dashboard/ClusterStats", session)).StatusCode);

            // The dashboard's metrics collection runs only while it is used: silo 0's started with the requests above,
            // silo 1's not until a dashboard reads silo 1's counters (here through silo 0), and both stop after
            // metrics_idle_after (3 s here) without use.
            const string Started = "Dashboard metrics collection started";
            const string Stopped = "Dashboard metrics collection stopped";
            await silos[0].Process.WaitUntilAsync(() => Task.FromResult(silos[0].Process.Output.Contains(Started, StringComparison.Ordinal)),
                TimeSpan.FromSeconds(10), "silo 0 started its dashboard collection");
            Assert.DoesNotContain(Started, silos[1].Process.Output, StringComparison.Ordinal);
            var address = hosts.Select(h => h!["siloAddress"]!.GetValue<string>()).Single(a => a.Contains($":{silos[1].SiloPort}@", StringComparison.Ordinal));
            await silos[0].Process.WaitUntilAsync(async () =>
            {
                var response = await requests.GetAsync($"/dashboard/SiloCounters/{address}", session);
                return JsonNode.Parse(await response.Content.ReadAsStringAsync()) is JsonArray { Count: > 0 };
            }, TimeSpan.FromSeconds(30), "silo 1's counters, collected once the dashboard asked for them");
            Assert.Contains(Started, silos[1].Process.Output, StringComparison.Ordinal);
            foreach (var silo in silos)
            {
                await silo.Process.WaitUntilAsync(() => Task.FromResult(silo.Process.Output.Contains(Stopped, StringComparison.Ordinal)),
                    TimeSpan.FromSeconds(30), "the dashboard collection stopped without use");
            }
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }
}
