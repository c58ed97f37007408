using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using OrleansGateway.TestSupport;

// Usage: SnapshotBench [--routes 1000,10000,100000] [--reps 3]
// For each size: a fresh silo (embedded SQLite) snapshotting to s3rver, N routes loaded in one bulk PUT, then
// forced snapshots (POST /api/gateway_groups/default/snapshots?force=true) timed end to end: export from the group
// grain, encode (gzip JSON, SHA-256), upload of data + manifests to both buckets, retention.
var sizes = Arg("--routes", "1000,10000,100000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
var reps = int.Parse(Arg("--reps", "3"), CultureInfo.InvariantCulture);
const string Key = "bench-snapshot-admin-key-0123456789";

foreach (var routes in sizes)
{
    await using var s3 = await S3rverProcess.StartAsync("res-bucket", "cfg-bucket");
    var env = s3.SiloEnvironment("res-bucket", "cfg-bucket", "@every 24h");
    env["deployment__admin__admin_key__0__key"] = Key;
    env["deployment__admin__max_body_bytes"] = (256 * 1024 * 1024).ToString(CultureInfo.InvariantCulture);
    env["fallback_cp__retain"] = "2";
    await using var silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-snapbench"), extraEnv: env);
    using var admin = new HttpClient { BaseAddress = silo.Http.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
    admin.DefaultRequestHeaders.Add("X-API-KEY", Key);

    var bulk = new StringBuilder("{\"upstreams\":[{\"id\":\"u\",\"nodes\":{\"127.0.0.1:1980\":1}}],\"routes\":[");
    for (var i = 0; i < routes; i++)
    {
        bulk.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture,
            $"{{\"id\":\"r{i}\",\"name\":\"route-{i}\",\"uri\":\"/api/v1/service-{i % 97}/r{i}/*\",\"methods\":[\"GET\",\"POST\"],\"upstream_id\":\"u\",\"labels\":{{\"team\":\"t{i % 13}\"}}}}");
    }
    bulk.Append("]}");
    var load = await admin.PutAsync("/apisix/admin/configs", new StringContent(bulk.ToString(), Encoding.UTF8, "application/json"));
    load.EnsureSuccessStatusCode();

    var times = new List<double>();
    long size = 0;
    for (var r = 0; r < reps; r++)
    {
        var watch = Stopwatch.StartNew();
        var response = await admin.PostAsync("/api/gateway_groups/default/snapshots?force=true", null);
        times.Add(watch.Elapsed.TotalSeconds);
        response.EnsureSuccessStatusCode();
    }
    var list = JsonNode.Parse(await admin.GetStringAsync("/api/gateway_groups/default/snapshots"))!;
    size = list["list"]![0]!["resources"]!["size"]!.GetValue<long>();
    times.Sort();
    var rss = Process.GetProcessById(silo.Process.Pid).WorkingSet64 / (1024.0 * 1024.0);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"routes={routes} json_mb={bulk.Length / 1048576.0:F1} snapshot_s_median={times[times.Count / 2]:F2} snapshot_s_min={times[0]:F2} snapshot_s_max={times[^1]:F2} gzip_kb={size / 1024.0:F0} silo_rss_mb={rss:F0}"));
}

string Arg(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
