using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansGateway.Configuration;
using OrleansGateway.Configuration.Certificates;
using OrleansGateway.DataPlane.Sources;
using OrleansGateway.FleetSim;
using OrleansGateway.TestSupport;

// Usage: FleetSim [--silos 1] [--tls on] [--groups 1] [--dps 1000] [--per-client 100] [--routes 100] [--changes 100] [--idle-seconds 10]
//                 [--settle-seconds 90] [--fleet-warm-seconds 30] [--warm-changes 10] [--silo-env KEY=VALUE,...] [--kill-silo N|owner]
//   --silos 1: one embedded silo (loopback, plain TCP); 3: a PostgreSQL cluster with mutual TLS (OG_TEST_POSTGRES;
//   --tls off: without, as deployment.orleans.allow_insecure, for comparison).
//   --dps: simulated data planes per group; --per-client: how many share one Orleans client (its connection, its
//   client id naming the group), each with its own subscription, change-feed calls and heartbeat.
// Reports propagation from each change's 2xx until every data plane of its group holds the version, the silos' CPU
// per change and per idle second (without and with the fleet connected; per change also net of the idle rate), the
// heartbeat rate, memory per data plane, and how the groups' snapshots spread over their period.
// --kill-silo N|owner (with --silos 3): then kills silo N, or the one holding the group's grain, (-9) with the fleet connected, and reports how long until a write is
// accepted again, how many data planes lost the control plane and for how long (5 s = fallback_after's default: past
// it a data plane serves from S3), and when every data plane holds that write's version connected again.
const string Key = "fleet-sim-admin-key-0123456789";
var silos = Int("--silos", 1);
var groups = Int("--groups", 1);
var dps = Int("--dps", 1000);
var perClient = Int("--per-client", 100);
var routes = Int("--routes", 100);
var changes = Int("--changes", 100);
var idleSeconds = Int("--idle-seconds", 10);

await using var db = silos > 1 ? await PostgresDatabase.CreateAsync() : null;
var tls = Arg("--tls", "on") == "on";
var env = ClusterEnvironment.ControlPlane(Key, db, tls);
foreach (var pair in Arg("--silo-env", "").Split(',', StringSplitOptions.RemoveEmptyEntries))
{
    // Experiments: extra settings for the silos, e.g. --silo-env deployment__admin__dashboard__enabled=false
    env[pair[..pair.IndexOf('=')]] = pair[(pair.IndexOf('=') + 1)..];
}
var processes = await Task.WhenAll(Enumerable.Range(0, silos).Select(_ => SiloProcess.StartAsync(RepoPaths.TempFolder("og-fleet"), extraEnv: env)));
var clients = new List<ControlPlaneConnection>();
var clock = Stopwatch.StartNew();
using var stop = new CancellationTokenSource();
try
{
    var admins = processes.Select(p => { var c = p.AdminClient(); c.Timeout = TimeSpan.FromMinutes(5); return c; }).ToArray();
    if (db is not null)
    {
        await processes[0].Process.WaitUntilAsync(async () => JsonNode.Parse(await admins[0].GetStringAsync("/api/cluster/silos"))!["active"]!.GetValue<int>() == silos,
            TimeSpan.FromSeconds(90), "every silo active");
    }
    var groupIds = Enumerable.Range(0, groups).Select(g => $"fleet-{g}").ToArray();
    foreach (var group in groupIds)
    {
        (await admins[0].PostAsync("/api/gateway_groups", Json($$"""{"id":"{{group}}","name":"{{group}}"}"""))).EnsureSuccessStatusCode();
        var bulk = new StringBuilder("""{"upstreams":[{"id":"u","nodes":{"127.0.0.1:1":1}}],"routes":[""");
        for (var i = 0; i < routes; i++)
        {
            bulk.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture, $$"""{"id":"r{{i}}","uri":"/r/{{i}}","upstream_id":"u"}""");
        }
        (await admins[0].PutAsync($"/apisix/admin/configs?gateway_group_id={group}", Json(bulk.Append("]}").ToString()))).EnsureSuccessStatusCode();
    }

    // Past the start's JIT and the bulk load's garbage: .NET's tiered compilation was still recompiling methods 45-60 s
    // after a silo started (2.7% of a core by itself, in a thread of its own), so idle figures before that are warm-up.
    await Task.Delay(TimeSpan.FromSeconds(Int("--settle-seconds", 90)));
    var idleAlone = await CpuAsync(processes, () => Task.Delay(TimeSpan.FromSeconds(idleSeconds)));
    var rssAlone = processes.Select(p => Rss(p.Process.Pid)).ToArray();

    // The fleet: per group, clients of --per-client data planes each, connected as the data plane connects.
    var fleet = new Dictionary<string, List<SimulatedDataPlane>>();
    var connectWatch = Stopwatch.StartNew();
    foreach (var group in groupIds)
    {
        var members = new List<SimulatedDataPlane>();
        var config = DataPlaneConfig(group);
        var validator = config.Certs is { } certs ? new PeerCertificateValidator(new CertificateFiles(certs, NullLogger.Instance), NullLogger.Instance) : null;
        for (var c = 0; c * perClient < dps; c++)
        {
            var connection = await ControlPlaneConnection.ConnectAsync(config, validator, TimeSpan.FromSeconds(30), CancellationToken.None);
            clients.Add(connection);
            var batch = Enumerable.Range(c * perClient, Math.Min(perClient, dps - c * perClient))
                .Select(i => new SimulatedDataPlane(connection.Client, group, $"sim-{group}-{i}")).ToList();
            await Task.WhenAll(batch.Select(d => d.StartAsync()));
            batch.ForEach(d => d.Watch(connection));
            members.AddRange(batch);
        }
        fleet[group] = members;
    }
    var connectSeconds = connectWatch.Elapsed.TotalSeconds;
    var heartbeats = fleet.Values.SelectMany(m => m).Select(d => d.HeartbeatAsync(clock, stop.Token)).ToList();

    // Heartbeats spread over their period, and the code paths the fleet added warm up (see --settle-seconds).
    await Task.Delay(TimeSpan.FromSeconds(Int("--fleet-warm-seconds", 30)));
    var beatsBefore = fleet.Values.SelectMany(m => m).Sum(d => d.Heartbeats);
    var idleFleet = await CpuAsync(processes, () => Task.Delay(TimeSpan.FromSeconds(idleSeconds)));
    var beatsPerSecond = (fleet.Values.SelectMany(m => m).Sum(d => d.Heartbeats) - beatsBefore) / (double)idleSeconds;
    var rssFleet = processes.Select(p => Rss(p.Process.Pid)).ToArray();

    // A few unmeasured changes first: the push path's first runs pay its JIT.
    for (var i = 0; i < Int("--warm-changes", 10); i++)
    {
        var group = groupIds[i % groupIds.Length];
        (await admins[i % admins.Length].PutAsync($"/apisix/admin/routes/w{i}?gateway_group_id={group}", Json($$"""{"uri":"/w/{{i}}","upstream_id":"u"}"""))).EnsureSuccessStatusCode();
    }
    await Task.Delay(TimeSpan.FromSeconds(2));

    var appliedBefore = fleet.Values.SelectMany(m => m).Sum(d => Interlocked.Read(ref d.Applied));
    var fetchesBefore = fleet.Values.SelectMany(m => m).Sum(d => Interlocked.Read(ref d.Fetches));
    var latencies = new List<double>();
    var lagging = 0;
    var changeWindow = Stopwatch.StartNew();
    var changeCpu = await CpuAsync(processes, async () =>
    {
        for (var i = 0; i < changes; i++)
        {
            var group = groupIds[i % groupIds.Length];
            var response = await admins[i % admins.Length].PutAsync($"/apisix/admin/routes/c{i}?gateway_group_id={group}", Json($$"""{"uri":"/c/{{i}}","upstream_id":"u"}"""));
            response.EnsureSuccessStatusCode();
            var acked = Stopwatch.GetTimestamp();
            var version = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["modifiedIndex"]!.GetValue<long>();
            var members = fleet[group];
            while (members.Any(d => d.Version < version))
            {
                if (Stopwatch.GetElapsedTime(acked) > TimeSpan.FromSeconds(30))
                {
                    lagging++;
                    break;
                }
                await Task.Delay(1);
            }
            latencies.Add(Stopwatch.GetElapsedTime(acked).TotalMilliseconds);
        }
    });
    changeWindow.Stop();
    latencies.Sort();
    // The window's CPU less what the silos spend meanwhile with nothing changing (the fleet's heartbeats, timers):
    // with 10,000 data planes that background is most of the window's CPU.
    var netChangeCpu = changeCpu.Select((c, i) => Math.Max(0, c - idleFleet[i] / idleSeconds * changeWindow.Elapsed.TotalSeconds)).ToArray();
    var snapshotSpread = await SnapshotSpreadAsync(admins[0], groupIds);
    var dashboard = await DashboardTimesAsync(admins[0]);
    var applied = fleet.Values.SelectMany(m => m).Sum(d => Interlocked.Read(ref d.Applied)) - appliedBefore;
    var fetches = fleet.Values.SelectMany(m => m).Sum(d => Interlocked.Read(ref d.Fetches)) - fetchesBefore;
    var rss = processes.Select(p => Rss(p.Process.Pid)).ToArray();
    // "owner": the silo that holds the group's grain (the harder case: the grain must move, writes wait for it).
    var owner = JsonNode.Parse(await admins[0].GetStringAsync($"/api/gateway_groups/{groupIds[0]}"))!["silo"]!.GetValue<string>();
    var kill = Arg("--kill-silo", "-1") == "owner"
        ? Array.FindIndex(processes, p => owner.Contains($":{p.SiloPort}:", StringComparison.Ordinal))
        : Int("--kill-silo", -1);
    var killReport = kill >= 0 && kill < processes.Length && processes.Length > 1 ? " " + await KillOneAsync(kill, admins, fleet, groupIds[0]) : "";
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"fleet silos={silos} tls={(db is null ? "loopback" : tls ? "on" : "off")} groups={groups} dps_per_group={dps} per_client={perClient} routes={routes} changes={changes} " +
        $"p50_ms={latencies[latencies.Count / 2]:F1} p99_ms={latencies[(int)(latencies.Count * 0.99)]:F1} max_ms={latencies[^1]:F1} lagging_over_30s={lagging} " +
        $"cpu_ms_per_change={changeCpu.Sum() / changes:F2} ({string.Join('/', changeCpu.Select(c => (c / changes).ToString("F2", CultureInfo.InvariantCulture)))}) " +
        $"net_cpu_ms_per_change={netChangeCpu.Sum() / changes:F2} ({string.Join('/', netChangeCpu.Select(c => (c / changes).ToString("F2", CultureInfo.InvariantCulture)))}) " +
        $"idle_cpu_pct_alone={string.Join('/', idleAlone.Select(c => (c / idleSeconds / 10).ToString("F1", CultureInfo.InvariantCulture)))} " +
        $"idle_cpu_pct_with_fleet={string.Join('/', idleFleet.Select(c => (c / idleSeconds / 10).ToString("F1", CultureInfo.InvariantCulture)))} " +
        $"pushes_applied={applied} fetches={fetches} heartbeats_per_s={beatsPerSecond:F0} connect_s={connectSeconds:F1} silo_rss_mb={string.Join('/', rss.Select(r => r / 1024 / 1024))} " +
        $"rss_alone_mb={string.Join('/', rssAlone.Select(r => r / 1024 / 1024))} rss_with_fleet_mb={string.Join('/', rssFleet.Select(r => r / 1024 / 1024))} " +
        $"kb_per_dp={(dps == 0 ? 0 : (rssFleet.Sum() - rssAlone.Sum()) / 1024.0 / (dps * groups)):F1} {snapshotSpread} {dashboard}{killReport}"));
    stop.Cancel();
    await Task.WhenAll(heartbeats);
}
finally
{
    stop.Cancel();
    foreach (var client in clients)
    {
        await client.DisposeAsync();
    }
    foreach (var process in processes)
    {
        await process.DisposeAsync();
    }
}
return 0;

// Kills one silo with the fleet connected; see the usage at the top.
async Task<string> KillOneAsync(int victim, HttpClient[] admins, Dictionary<string, List<SimulatedDataPlane>> fleet, string group)
{
    var bound = TimeSpan.FromSeconds(120);
    var survivor = admins[(victim + 1) % admins.Length];
    var all = fleet.Values.SelectMany(m => m).ToList();
    var failedBefore = all.ToDictionary(d => d, d => Interlocked.Read(ref d.FailedHeartbeats));
    var killedAt = clock.Elapsed;
    processes[victim].Process.Kill();

    // Until the cluster declares the silo dead, a write whose group grain lived there is refused (503/504).
    long version = 0;
    TimeSpan? writeAt = null;
    var refused = 0;
    while (writeAt is null && clock.Elapsed - killedAt < bound)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using var response = await survivor.PutAsync($"/apisix/admin/routes/after-kill?gateway_group_id={group}", Json("""{"uri":"/after-kill","upstream_id":"u"}"""), timeout.Token);
            if (response.IsSuccessStatusCode)
            {
                writeAt = clock.Elapsed - killedAt;
                version = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["modifiedIndex"]!.GetValue<long>();
                break;
            }
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
        }
        refused++;
        await Task.Delay(100);
    }
    TimeSpan? allBack = null;
    while (writeAt is not null && clock.Elapsed - killedAt < bound)
    {
        if (fleet[group].All(d => d.Version >= version) && all.All(d => d.LostAt is null))
        {
            allBack = clock.Elapsed - killedAt;
            break;
        }
        await Task.Delay(10);
    }
    var lost = all.Where(d => Interlocked.Read(ref d.FailedHeartbeats) > failedBefore[d]).ToList();
    var fallbackAfter = TimeSpan.FromSeconds(5);
    var outages = lost.Select(d => d.LongestOutage).Order().ToList();
    return string.Create(CultureInfo.InvariantCulture,
        $"kill_silo={victim} write_accepted_after_s={writeAt?.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) ?? "never"} writes_refused={refused} " +
        $"dps_lost_cp={lost.Count} dps_past_fallback_after={outages.Count(o => o >= fallbackAfter) + all.Count(d => d.LostAt is not null)} " +
        $"outage_p50_s={(outages.Count > 0 ? outages[outages.Count / 2].TotalSeconds : 0):F1} outage_max_s={(outages.Count > 0 ? outages[^1].TotalSeconds : 0):F1} " +
        $"all_dps_back_at_version_s={allBack?.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) ?? "never"}");
}

// Where in the snapshot period (fallback_cp.cron_spec, @every 1m by default) each group's next snapshot falls: the
// groups per second of the minute (an even spread is groups / 60 in each), and the most in any 10 s.
static async Task<string> SnapshotSpreadAsync(HttpClient admin, string[] groupIds)
{
    var perSecond = new int[60];
    foreach (var group in groupIds)
    {
        var status = JsonNode.Parse(await admin.GetStringAsync($"/api/gateway_groups/{group}/snapshots"))!["status"]!;
        if (status["next_attempt_at"] is { } next)
        {
            perSecond[DateTimeOffset.Parse(next.GetValue<string>(), CultureInfo.InvariantCulture).Second]++;
        }
    }
    var worstTen = Enumerable.Range(0, 60).Max(start => Enumerable.Range(start, 10).Sum(s => perSecond[s % 60]));
    return string.Create(CultureInfo.InvariantCulture,
        $"snapshots_per_s_min={perSecond.Min()} snapshots_per_s_max={perSecond.Max()} snapshots_max_in_10s={worstTen}");
}

// The dashboard's own API calls behind its pages (overview, grain types, top methods, reminders), as its browser
// makes them (here with the admin key), with the fleet connected: each the slower of two calls (the first starts the on-demand collection).
static async Task<string> DashboardTimesAsync(HttpClient admin)
{
    var pages = new[] { ("overview", "/dashboard/DashboardCounters"), ("cluster", "/dashboard/ClusterStats"), ("types", "/dashboard/GrainTypes"),
        ("methods", "/dashboard/TopGrainMethods"), ("reminders", "/dashboard/Reminders/1") };
    var figures = new List<string>();
    foreach (var (name, path) in pages)
    {
        var slowest = 0.0;
        for (var i = 0; i < 2; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await admin.GetAsync(path);
            if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return "dashboard_ms=off";
            }
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync();
            slowest = Math.Max(slowest, watch.Elapsed.TotalMilliseconds);
        }
        figures.Add(string.Create(CultureInfo.InvariantCulture, $"{name}={slowest:F0}"));
    }
    return "dashboard_ms=" + string.Join(',', figures);
}

GatewayConfig DataPlaneConfig(string group)
{
    var values = new Dictionary<string, string?>
    {
        ["deployment:role"] = "data_plane",
        ["deployment:gateway_group_id"] = group,
        ["deployment:orleans:cluster_id"] = db?.Name ?? "orleans-gateway",
    };
    for (var i = 0; i < processes.Length; i++)
    {
        values[$"deployment:orleans:gateways:{i}"] = $"127.0.0.1:{processes[i].GatewayPort}";
    }
    if (db is not null && tls)
    {
        foreach (var (key, value) in TestPki.Shared.DataPlaneEnv($"fleet-{group}", group))
        {
            values[key.Replace("__", ":", StringComparison.Ordinal)] = value;
        }
    }
    else if (db is not null)
    {
        values["deployment:orleans:allow_insecure"] = "true";
    }
    return GatewayConfigLoader.Load(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
}

// CPU milliseconds each silo process used while `work` ran (/proc/<pid>/stat utime + stime, in clock ticks of 10 ms).
static async Task<double[]> CpuAsync(SiloProcess[] processes, Func<Task> work)
{
    var before = processes.Select(p => CpuTicks(p.Process.Pid)).ToArray();
    await work();
    return processes.Select((p, i) => (CpuTicks(p.Process.Pid) - before[i]) * 10.0).ToArray();
}

static long CpuTicks(int pid)
{
    var stat = File.ReadAllText($"/proc/{pid}/stat");
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
}

static long Rss(int pid) =>
    File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
        .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024).FirstOrDefault();

static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

string Arg(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

int Int(string name, int fallback) => int.Parse(Arg(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
