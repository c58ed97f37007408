using System.Diagnostics;
using System.Globalization;
using System.Text;
using OrleansGateway.TestSupport;

// Usage: WriteBench [--routes N] [--writes N] [--concurrency N] [--rate N] [--postgresql] [--set key=value ...]
// Starts a silo process (embedded SQLite, or PostgreSQL with OG_TEST_POSTGRES), loads N routes in one bulk PUT,
// then measures single-route PUTs (replacing existing routes) from several concurrent clients.
var routes = Arg("--routes", 100_000);
var writes = Arg("--writes", 5_000);
var concurrency = Arg("--concurrency", 8);
var rate = Arg("--rate", 0); // > 0: open loop at this many writes/s, latency measured from the scheduled send time
var postgres = args.Contains("--postgresql");

var dir = RepoPaths.TempFolder("og-bench");
PostgresDatabase? database = null;
var env = new Dictionary<string, string> { ["deployment__admin__max_body_bytes"] = (256 * 1024 * 1024).ToString(CultureInfo.InvariantCulture) };
if (postgres)
{
    database = await PostgresDatabase.CreateAsync();
    env["deployment__orleans__postgresql__connection_string"] = database.ConnectionString;
    env["deployment__admin__admin_key__0__key"] = "bench-admin-key-0123456789";
    env.SetAll(TestPki.Shared.SiloEnv());
}
// --set key=value (repeatable): more silo configuration, e.g. --set deployment__role=control_plane
for (var i = 0; i < args.Length - 1; i++)
{
    if (args[i] == "--set" && args[i + 1].Split('=', 2) is [var key, var value])
    {
        env[key] = value;
    }
}
await using var silo = await SiloProcess.StartAsync(dir, extraEnv: env);
using var admin = postgres ? AdminWithKey(silo, "bench-admin-key-0123456789") : silo.AdminClient();

var load = Stopwatch.StartNew();
var bulk = new StringBuilder("{\"upstreams\":[{\"id\":\"u\",\"nodes\":{\"127.0.0.1:1980\":1}}],\"routes\":[");
for (var i = 0; i < routes; i++)
{
    bulk.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture, $"{{\"id\":\"r{i}\",\"uri\":\"/r/{i}\",\"methods\":[\"GET\"],\"upstream_id\":\"u\"}}");
}
bulk.Append("]}");
var loaded = await admin.PutAsync("/apisix/admin/configs", new StringContent(bulk.ToString(), Encoding.UTF8, "application/json"));
if (!loaded.IsSuccessStatusCode)
{
    throw new InvalidOperationException($"bulk load failed: {loaded.StatusCode} {await loaded.Content.ReadAsStringAsync()}");
}
var loadSeconds = load.Elapsed.TotalSeconds;

// The traditional role (the default) also runs a proxy in the silo that compiles the whole group after a bulk import
// (seconds of CPU at 100,000 routes). Writes are measured once it serves the import (--no-proxy-wait: at once, to see
// that transient), and the time it took is reported.
var proxyReadyS = double.NaN;
if (env.GetValueOrDefault("deployment__role", "traditional") == "traditional" && !args.Contains("--no-proxy-wait"))
{
    using var status = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{silo.StatusPort}") };
    await silo.Process.WaitUntilAsync(async () =>
        System.Text.Json.Nodes.JsonNode.Parse(await status.GetStringAsync("/status"))!["routes"]!.GetValue<int>() >= routes,
        TimeSpan.FromMinutes(2), "the in-process proxy serving the bulk import");
    proxyReadyS = load.Elapsed.TotalSeconds - loadSeconds;
}

// Warm-up, then the measured run.
await RunAsync(Math.Min(200, writes), concurrency);
var (latencies, elapsed) = rate > 0 ? await RunAtRateAsync(writes, rate) : await RunAsync(writes, concurrency);
// Open loop: the latencies are in send order, write n sent at n/rate s; say when the slow ones (> 50 ms) were sent.
var slow = rate > 0 ? latencies.Select((ms, n) => (ms, s: (double)n / rate)).Where(x => x.ms > 50).Select(x => x.s).ToList() : [];
var slowText = rate > 0 ? (slow.Count == 0 ? " slow_writes=0" : string.Create(CultureInfo.InvariantCulture, $" slow_writes={slow.Count} slow_sent_s={slow[0]:F1}-{slow[^1]:F1}")) : "";
// And the p99 of the writes sent after the first 5 s (a large import leaves a transient: bench/README.md).
var settled = rate > 0 ? latencies.Skip(5 * rate).Order().ToList() : [];
if (settled.Count > 0)
{
    slowText += string.Create(CultureInfo.InvariantCulture, $" p99_after_5s_ms={settled[Math.Min(settled.Count - 1, (int)(0.99 * settled.Count))]:F2}");
}
latencies.Sort();
var rss = Process.GetProcessById(silo.Process.Pid).WorkingSet64 / (1024.0 * 1024.0);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"mode={(postgres ? "postgresql" : "embedded-sqlite")} routes={routes} writes={writes} {(rate > 0 ? "open_loop_rate" : "closed_loop_concurrency")}={(rate > 0 ? rate : concurrency)} " +
    $"bulk_load_s={loadSeconds:F1}{(double.IsNaN(proxyReadyS) ? "" : $" proxy_ready_after_s={proxyReadyS:F1}")} writes_per_s={writes / elapsed.TotalSeconds:F0} p50_ms={Percentile(0.50):F2} p99_ms={Percentile(0.99):F2} max_ms={latencies[^1]:F2} silo_rss_mb={rss:F0}{slowText}"));
if (database is not null)
{
    await silo.DisposeAsync();
    await database.DisposeAsync();
}
return 0;

double Percentile(double p) => latencies[Math.Min(latencies.Count - 1, (int)(p * latencies.Count))];

async Task<(List<double> Latencies, TimeSpan Elapsed)> RunAsync(int count, int workers)
{
    var all = new List<double>(count);
    var next = -1;
    var watch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, workers).Select(async _ =>
    {
        var mine = new List<double>();
        int n;
        while ((n = Interlocked.Increment(ref next)) < count)
        {
            var id = Random.Shared.Next(routes);
            var body = new StringContent($"{{\"uri\":\"/r/{id}\",\"methods\":[\"GET\",\"POST\"],\"upstream_id\":\"u\",\"desc\":\"write {n}\"}}", Encoding.UTF8, "application/json");
            var t = Stopwatch.GetTimestamp();
            var response = await admin.PutAsync($"/apisix/admin/routes/r{id}", body);
            mine.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"write failed: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }
        lock (all)
        {
            all.AddRange(mine);
        }
    }));
    return (all, watch.Elapsed);
}

async Task<(List<double> Latencies, TimeSpan Elapsed)> RunAtRateAsync(int count, int perSecond)
{
    var all = new double[count];
    var watch = Stopwatch.StartNew();
    var tasks = new List<Task>(count);
    for (var n = 0; n < count; n++)
    {
        var due = TimeSpan.FromSeconds((double)n / perSecond);
        var wait = due - watch.Elapsed;
        if (wait > TimeSpan.FromMilliseconds(1))
        {
            await Task.Delay(wait);
        }
        var index = n;
        tasks.Add(Task.Run(async () =>
        {
            var id = Random.Shared.Next(routes);
            var body = new StringContent($"{{\"uri\":\"/r/{id}\",\"methods\":[\"GET\",\"POST\"],\"upstream_id\":\"u\",\"desc\":\"write {index}\"}}", Encoding.UTF8, "application/json");
            var response = await admin.PutAsync($"/apisix/admin/routes/r{id}", body);
            all[index] = (watch.Elapsed - due).TotalMilliseconds;
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"write failed: {response.StatusCode}");
            }
        }));
    }
    await Task.WhenAll(tasks);
    return (all.ToList(), watch.Elapsed);
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

static HttpClient AdminWithKey(SiloProcess silo, string key)
{
    var client = new HttpClient { BaseAddress = silo.Http.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
    client.DefaultRequestHeaders.Add("X-API-KEY", key);
    return client;
}
