using System.Text;
using System.Text.Json.Nodes;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.Snapshots;

/// <summary>The snapshot duty survives the death of the silo that holds it (reminders on PostgreSQL).</summary>
public class SnapshotFailoverTests
{
    private const string Key = "e2e-snapshot-failover-key-0123";

    [Fact]
    public async Task Killing_the_silo_that_takes_snapshots_moves_the_duty_to_a_survivor()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        await using var s3 = await S3rverProcess.StartAsync("res-bucket", "cfg-bucket");
        var env = s3.SiloEnvironment("res-bucket", "cfg-bucket", "@every 2s");
        env["deployment__orleans__postgresql__connection_string"] = db.ConnectionString;
        env["deployment__orleans__cluster_id"] = db.Name;
        env["deployment__admin__admin_key__0__key"] = Key;
        env.SetAll(TestPki.Shared.SiloEnv());
        var silos = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => SiloProcess.StartAsync(RepoPaths.TempFolder("og-snapfo"), extraEnv: env)));
        try
        {
            var admins = silos.Select(s => s.AdminClient()).ToArray();
            await silos[0].Process.WaitUntilAsync(async () =>
                JsonNode.Parse(await admins[0].GetStringAsync("/api/cluster/silos"))!["active"]!.GetValue<int>() == 2, TimeSpan.FromSeconds(60), "two active silos");
            await admins[0].PutAsync("/apisix/admin/upstreams/1", new StringContent("""{"nodes":{"127.0.0.1:1980":1}}""", Encoding.UTF8, "application/json"));
            var status = await WaitForSnapshotAsync(admins[0], 1, TimeSpan.FromSeconds(30));

            var owner = status["silo"]!.GetValue<string>();
            var victim = Array.FindIndex(silos, s => owner.Contains($":{s.SiloPort}:", StringComparison.Ordinal));
            Assert.True(victim >= 0, $"snapshot duty on {owner}, none of ours");
            var survivor = 1 - victim;
            silos[victim].Process.Kill();

            // A change after the kill is snapshotted by the survivor: the reminder re-creates the duty there.
            await silos[survivor].Process.WaitUntilAsync(async () =>
                (await admins[survivor].PutAsync("/apisix/admin/upstreams/2", new StringContent("""{"nodes":{"127.0.0.1:1981":1}}""", Encoding.UTF8, "application/json"))).IsSuccessStatusCode,
                TimeSpan.FromSeconds(90), "a write through the survivor");
            var version = JsonNode.Parse(await admins[survivor].GetStringAsync("/api/gateway_groups/default"))!["version"]!.GetValue<long>();
            var after = await WaitForSnapshotAsync(admins[survivor], version, TimeSpan.FromSeconds(120));
            Assert.NotEqual(owner, after["silo"]!.GetValue<string>());
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    private static async Task<JsonNode> WaitForSnapshotAsync(HttpClient admin, long version, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                var status = JsonNode.Parse(await admin.GetStringAsync("/api/gateway_groups/default/snapshots"))!["status"]!;
                if (status["last_version"]?.GetValue<long>() >= version)
                {
                    return status;
                }
            }
            catch (HttpRequestException)
            {
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no snapshot of version {version} within {timeout}");
            }
            await Task.Delay(500);
        }
    }
}
