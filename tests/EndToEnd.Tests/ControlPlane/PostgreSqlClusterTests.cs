using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.ControlPlane;

/// <summary>Three silo processes on one real PostgreSQL database: clustering, storage and the group store.</summary>
public class PostgreSqlClusterTests
{
    private const string Key = "e2e-cluster-admin-key-0123456789";

    private static Task<SiloProcess> StartSiloAsync(PostgresDatabase db, string dir, (int, int, int)? ports = null) =>
        SiloProcess.StartAsync(dir, ports, new Dictionary<string, string>
        {
            ["deployment__orleans__postgresql__connection_string"] = db.ConnectionString,
            ["deployment__orleans__cluster_id"] = db.Name,
            ["deployment__admin__admin_key__0__key"] = Key,
        }.SetAll(TestPki.Shared.SiloEnv()));

    private static async Task<int> ActiveSilosAsync(HttpClient admin)
    {
        var json = JsonNode.Parse(await admin.GetStringAsync("/api/cluster/silos"))!;
        return json["active"]!.GetValue<int>();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Writes_survive_a_killed_silo_and_the_silo_rejoins()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        // Three silos starting at once also exercises the schema being applied concurrently.
        var dirs = Enumerable.Range(0, 3).Select(_ => RepoPaths.TempFolder("og-pg")).ToArray();
        var silos = await Task.WhenAll(dirs.Select(d => StartSiloAsync(db, d)));
        try
        {
            var admins = silos.Select(s => s.AdminClient()).ToArray();
            await silos[0].Process.WaitUntilAsync(async () => await ActiveSilosAsync(admins[0]) == 3, TimeSpan.FromSeconds(60), "three active silos");
            Assert.Equal(HttpStatusCode.Created, (await admins[0].PutAsync("/apisix/admin/upstreams/u", Json("""{"nodes":{"127.0.0.1:1980":1}}"""))).StatusCode);

            // One writer per silo, each through its own silo's Admin API.
            var acknowledged = new ConcurrentDictionary<string, long>();
            var okAfterKill = new int[3];
            var killed = 0;
            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
            {
                for (var i = 0; i < 100_000 && !stop.IsCancellationRequested; i++)
                {
                    var id = $"s{w}-{i}";
                    try
                    {
                        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                        cts.CancelAfter(TimeSpan.FromSeconds(10));
                        var response = await admins[w].PutAsync($"/apisix/admin/routes/{id}", Json($$"""{"uri":"/{{id}}","upstream_id":"u"}"""), cts.Token);
                        if (response.IsSuccessStatusCode)
                        {
                            acknowledged[id] = JsonNode.Parse(await response.Content.ReadAsStringAsync(cts.Token))!["modifiedIndex"]!.GetValue<long>();
                            if (Volatile.Read(ref killed) == 1)
                            {
                                Interlocked.Increment(ref okAfterKill[w]);
                            }
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                    {
                        await Task.Delay(50);
                    }
                }
            })).ToArray();

            await WaitForAsync(() => acknowledged.Count >= 150, TimeSpan.FromSeconds(60), "150 acknowledged writes before the kill");

            // Kill the silo that owns the group's grain: the hard case, where the grain must move.
            var owner = JsonNode.Parse(await admins[0].GetStringAsync("/api/gateway_groups/default"))!["silo"]!.GetValue<string>();
            var victim = Array.FindIndex(silos, s => owner.Contains($":{s.SiloPort}:", StringComparison.Ordinal));
            Assert.True(victim >= 0, $"owner {owner} is none of the silos");
            silos[victim].Process.Kill();
            Volatile.Write(ref killed, 1);
            var survivors = Enumerable.Range(0, 3).Where(i => i != victim).ToArray();
            await WaitForAsync(() => survivors.All(i => Volatile.Read(ref okAfterKill[i]) >= 50), TimeSpan.FromSeconds(120), "writes through both surviving silos after the kill");
            var newOwner = JsonNode.Parse(await admins[survivors[0]].GetStringAsync("/api/gateway_groups/default"))!["silo"]!.GetValue<string>();
            Assert.NotEqual(owner, newOwner);

            var ports = (silos[victim].AdminPort, silos[victim].SiloPort, silos[victim].GatewayPort);
            await silos[victim].DisposeAsync();
            silos[victim] = await StartSiloAsync(db, dirs[victim], ports);
            admins[victim] = silos[victim].AdminClient();
            await silos[survivors[0]].Process.WaitUntilAsync(async () => await ActiveSilosAsync(admins[survivors[0]]) == 3, TimeSpan.FromSeconds(90), "the restarted silo rejoined");
            var before = Volatile.Read(ref okAfterKill[victim]);
            await WaitForAsync(() => Volatile.Read(ref okAfterKill[victim]) > before + 10, TimeSpan.FromSeconds(60), "writes through the restarted silo");
            stop.Cancel();
            await Task.WhenAll(writers);

            // Nothing acknowledged is lost, seen through every silo; versions were never handed out twice.
            Assert.Equal(acknowledged.Count, acknowledged.Values.Distinct().Count());
            foreach (var admin in admins)
            {
                var list = JsonNode.Parse(await admin.GetStringAsync("/apisix/admin/routes"))!;
                var stored = list["list"]!.AsArray().ToDictionary(i => i!["value"]!["id"]!.GetValue<string>(), i => i!["modifiedIndex"]!.GetValue<long>());
                var lost = acknowledged.Where(a => !stored.ContainsKey(a.Key)).Select(a => a.Key).ToList();
                Assert.Empty(lost);
                Assert.All(acknowledged, a => Assert.Equal(a.Value, stored[a.Key]));
            }

            // The audit log went through the fail-over too: one entry per version, each acknowledged write's among them.
            var version = JsonNode.Parse(await admins[0].GetStringAsync("/api/gateway_groups/default"))!["version"]!.GetValue<long>();
            var audited = new Dictionary<long, string?>();
            for (var page = 1; audited.Count <= version; page++)
            {
                var entries = JsonNode.Parse(await admins[page % 3].GetStringAsync($"/api/gateway_groups/default/changes?page={page}&page_size=500"))!["list"]!.AsArray();
                Assert.NotEmpty(entries);
                foreach (var entry in entries)
                {
                    audited[entry!["version"]!.GetValue<long>()] = entry["id"]?.GetValue<string>();
                }
            }
            Assert.Equal(version + 1, audited.Count);
            Assert.All(acknowledged, a => Assert.Equal(a.Key, audited[a.Value]));
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Both silos die (kill -9) and one host never comes back. Orleans alone would keep the lost silo Active and the
    /// returning one would wait for it until its join attempt gives up (5 minutes) and exits; the membership sweep
    /// marks the lost silo dead once it has been silent for three heartbeat periods (30 s) and refuses connections.
    /// </summary>
    [Fact]
    public async Task After_every_silo_died_one_comes_back_alone_and_takes_writes()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        var dirs = Enumerable.Range(0, 2).Select(_ => RepoPaths.TempFolder("og-pg-alone")).ToArray();
        var silos = await Task.WhenAll(dirs.Select(d => StartSiloAsync(db, d)));
        SiloProcess? back = null;
        try
        {
            using (var admin = silos[0].AdminClient())
            {
                await silos[0].Process.WaitUntilAsync(async () => await ActiveSilosAsync(admin) == 2, TimeSpan.FromSeconds(60), "two active silos");
                Assert.Equal(HttpStatusCode.Created, (await admin.PutAsync("/apisix/admin/upstreams/u", Json("""{"nodes":{"127.0.0.1:1980":1}}"""))).StatusCode);
            }
            var ports = (silos[0].AdminPort, silos[0].SiloPort, silos[0].GatewayPort);
            foreach (var silo in silos)
            {
                silo.Process.Kill();
                await silo.DisposeAsync();
            }

            // Ready (a grain call answered) within the start's 90 s, where Orleans alone needs five minutes and then gives up.
            back = await StartSiloAsync(db, dirs[0], ports);
            using var again = back.AdminClient();
            var write = await again.PutAsync("/apisix/admin/routes/alone", Json("""{"uri":"/alone","upstream_id":"u"}"""));
            Assert.True(write.IsSuccessStatusCode, $"{write.StatusCode} {await write.Content.ReadAsStringAsync()}");
            Assert.Equal(1, await ActiveSilosAsync(again));
            Assert.Contains("Marked silo 127.0.0.1:" + silos[1].SiloPort, back.Process.Output);
        }
        finally
        {
            if (back is not null)
            {
                await back.DisposeAsync();
            }
        }
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} did not happen within {timeout}");
            }
            await Task.Delay(100);
        }
    }
}
