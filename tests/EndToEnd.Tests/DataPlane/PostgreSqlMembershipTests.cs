using System.Text;
using System.Text.Json.Nodes;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.DataPlane;

/// <summary>A data plane that finds the silos in their PostgreSQL membership table instead of a static gateway list.</summary>
public class PostgreSqlMembershipTests
{
    private const string Key = "membership-test-admin-key-0123456789";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Finds_the_silos_in_the_membership_table_and_stays_with_the_cp_when_one_silo_dies()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        await using var echo = await EchoUpstream.StartAsync();
        var env = new Dictionary<string, string>
        {
            ["deployment__orleans__postgresql__connection_string"] = db.ConnectionString,
            ["deployment__orleans__cluster_id"] = db.Name,
            ["deployment__admin__admin_key__0__key"] = Key,
            ["deployment__role"] = "control_plane",
        };
        env.SetAll(TestPki.Shared.SiloEnv());
        var silos = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => SiloProcess.StartAsync(RepoPaths.TempFolder("og-member"), extraEnv: env)));
        try
        {
            var admins = silos.Select(s => s.AdminClient()).ToArray();
            await silos[0].Process.WaitUntilAsync(async () =>
                JsonNode.Parse(await admins[0].GetStringAsync("/api/cluster/silos"))!["active"]!.GetValue<int>() == 2, TimeSpan.FromSeconds(60), "two active silos");
            var created = await admins[0].PutAsync("/apisix/admin/upstreams/1", Json($$$"""{"nodes":{"{{{echo.Address}}}":1}}"""));
            Assert.True(created.IsSuccessStatusCode, $"{created.StatusCode} {await created.Content.ReadAsStringAsync()}\n{silos[0].Process.Output}\n{silos[1].Process.Output}");
            (await admins[0].PutAsync("/apisix/admin/routes/1", Json("""{"uri":"/ip","upstream_id":"1"}"""))).EnsureSuccessStatusCode();

            // No gateway list: only the connection string the silos use.
            var dpEnv = new Dictionary<string, string>
            {
                ["deployment__role"] = "data_plane",
                ["deployment__orleans__postgresql__connection_string"] = db.ConnectionString,
                ["deployment__orleans__cluster_id"] = db.Name,
                ["fallback_cp__fallback_after"] = "30s",
            };
            dpEnv.SetAll(TestPki.Shared.DataPlaneEnv("dp-default", "default"));
            await using var dp = await DataPlaneProcess.StartAsync(RepoPaths.TempFolder("og-member-dp"), dpEnv);
            await dp.Process.WaitUntilAsync(async () => (await dp.Proxy.GetAsync("/ip")).IsSuccessStatusCode, TimeSpan.FromSeconds(60), "GET /ip via the control plane");
            var status = JsonNode.Parse(await dp.Status.GetStringAsync("/status"))!;
            Assert.Equal("control_plane", status["mode"]!.GetValue<string>());
            Assert.Equal("mtls", status["orleans_transport"]!.GetValue<string>());

            // One silo dies: the DP carries on through the other and still follows changes.
            silos[0].Process.Kill();
            await silos[0].DisposeAsync();
            // Until the cluster declares the dead silo dead, a write whose grain lived there may be refused (never
            // acknowledged); it must then say so with 503 (rejected: not applied) or 504 (no answer in time: outcome
            // unknown) — never a bare 500 — and succeed once the grain has moved.
            var refusals = new List<string>();
            await silos[1].Process.WaitUntilAsync(async () =>
            {
                var response = await admins[1].PutAsync("/apisix/admin/routes/2", Json("""{"uri":"/after-kill","upstream_id":"1"}"""));
                if (!response.IsSuccessStatusCode)
                {
                    refusals.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
                return response.IsSuccessStatusCode;
            }, TimeSpan.FromSeconds(60), "a write accepted by the surviving silo");
            Assert.All(refusals, r => Assert.True(r.StartsWith("503 ", StringComparison.Ordinal) || r.StartsWith("504 ", StringComparison.Ordinal), r));
            await dp.Process.WaitUntilAsync(async () => (await dp.Proxy.GetAsync("/after-kill")).IsSuccessStatusCode, TimeSpan.FromSeconds(60), "a change made after one silo died");
            status = JsonNode.Parse(await dp.Status.GetStringAsync("/status"))!;
            Assert.Equal("control_plane", status["mode"]!.GetValue<string>());
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
