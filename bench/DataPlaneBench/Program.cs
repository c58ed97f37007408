using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using OrleansGateway.TestSupport;

// Usage: DataPlaneBench propagation [--routes 100,10000] [--changes 1000] [--silos 3] [--tls on,off] [--rounds 1]
//                                                   (silos > 1: OG_TEST_POSTGRES; --tls: Orleans mutual TLS on, off
//                                                   or both, alternated --rounds times per route count)
//        DataPlaneBench coldstart [--routes 10000] [--reps 3]
//        DataPlaneBench proxy [--reps 5] [--seconds 10] [--variants "dp,dp-inline:DOTNET_X=1;DOTNET_Y=2"]
//                                                   (needs wrk and nginx: apt-get install wrk nginx)
var mode = args.Length > 0 ? args[0] : "propagation";
const string Key = "bench-dp-admin-key-0123456789";
await using var echo = await EchoUpstream.StartAsync();

if (mode == "propagation")
{
    var tlsModes = Arg("--tls", "on").Split(',');
    if (tlsModes.Any(m => m is not ("on" or "off")))
    {
        throw new ArgumentException("--tls takes on, off or on,off");
    }
    foreach (var routes in Arg("--routes", "100,10000").Split(',').Select(int.Parse))
    {
        for (var round = 0; round < int.Parse(Arg("--rounds", "1"), CultureInfo.InvariantCulture); round++)
        {
            foreach (var tls in tlsModes)
            {
                await PropagationAsync(routes, int.Parse(Arg("--changes", "1000"), CultureInfo.InvariantCulture), int.Parse(Arg("--silos", "3"), CultureInfo.InvariantCulture), tls == "on");
            }
        }
    }
}
else if (mode == "proxy")
{
    await ProxyAsync(int.Parse(Arg("--reps", "5"), CultureInfo.InvariantCulture), int.Parse(Arg("--seconds", "10"), CultureInfo.InvariantCulture),
        ParseVariants(Arg("--variants", "orleans-gateway-dp")));
}
else
{
    await ColdStartAsync(int.Parse(Arg("--routes", "10000"), CultureInfo.InvariantCulture), int.Parse(Arg("--reps", "3"), CultureInfo.InvariantCulture));
}
return 0;

// One silo: the embedded default (SQLite). Several: a PostgreSQL cluster (OG_TEST_POSTGRES, as the tests), the DPs
// finding the silos in the membership table, and the writes spread round-robin over the silos' Admin APIs.
// With tls off, a PostgreSQL cluster runs as deployment.orleans.allow_insecure says (only for this comparison).
async Task PropagationAsync(int routes, int changes, int siloCount, bool tls)
{
    await using var db = siloCount > 1 ? await PostgresDatabase.CreateAsync() : null;
    var env = ClusterEnvironment.ControlPlane(Key, db, tls);
    var silos = await Task.WhenAll(Enumerable.Range(0, siloCount).Select(_ => SiloProcess.StartAsync(RepoPaths.TempFolder("og-prop"), extraEnv: env)));
    try
    {
        var admins = silos.Select(Admin).ToArray();
        if (db is not null)
        {
            await silos[0].Process.WaitUntilAsync(async () =>
                System.Text.Json.Nodes.JsonNode.Parse(await admins[0].GetStringAsync("/api/cluster/silos"))!["active"]!.GetValue<int>() == siloCount,
                TimeSpan.FromSeconds(90), "every silo active");
        }
        await Load(admins[0], routes);
        var dpEnv = new Dictionary<string, string> { ["deployment__role"] = "data_plane" };
        if (db is not null)
        {
            dpEnv["deployment__orleans__postgresql__connection_string"] = db.ConnectionString;
            dpEnv["deployment__orleans__cluster_id"] = db.Name;
            if (tls)
            {
                dpEnv.SetAll(TestPki.Shared.DataPlaneEnv("dp-default", "default"));
            }
            else
            {
                dpEnv["deployment__orleans__allow_insecure"] = "true";
            }
        }
        else
        {
            dpEnv["deployment__orleans__gateways__0"] = $"127.0.0.1:{silos[0].GatewayPort}";
        }
        await using var dp1 = await DataPlaneProcess.StartAsync(RepoPaths.TempFolder("og-prop-dp"), dpEnv);
        await using var dp2 = await DataPlaneProcess.StartAsync(RepoPaths.TempFolder("og-prop-dp"), dpEnv);
        foreach (var dp in new[] { dp1, dp2 })
        {
            await dp.Process.WaitUntilAsync(async () => (await dp.Proxy.GetAsync("/r/0")).IsSuccessStatusCode, TimeSpan.FromSeconds(60), "the initial load");
        }
        var latencies = new List<double>(changes);
        var writes = new List<double>(changes);
        for (var i = 0; i < changes; i++)
        {
            var path = $"/p/{i}";
            var sent = Stopwatch.GetTimestamp();
            var response = await admins[i % admins.Length].PutAsync($"/apisix/admin/routes/p{i}", new StringContent($"{{\"uri\":\"{path}\",\"upstream_id\":\"u\"}}", Encoding.UTF8, "application/json"));
            response.EnsureSuccessStatusCode();
            var acked = Stopwatch.GetTimestamp();
            writes.Add(Stopwatch.GetElapsedTime(sent, acked).TotalMilliseconds);
            await Task.WhenAll(WaitServedAsync(dp1, path), WaitServedAsync(dp2, path));
            latencies.Add(Stopwatch.GetElapsedTime(acked).TotalMilliseconds);
        }
        latencies.Sort();
        writes.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"propagation routes={routes} changes={changes} silos={siloCount} dps=2 tls={(tls ? "on" : "off")} p50_ms={latencies[latencies.Count / 2]:F1} p99_ms={latencies[(int)(latencies.Count * 0.99)]:F1} max_ms={latencies[^1]:F1} write_p50_ms={writes[writes.Count / 2]:F1} write_p99_ms={writes[(int)(writes.Count * 0.99)]:F1}"));
    }
    finally
    {
        foreach (var silo in silos)
        {
            await silo.DisposeAsync();
        }
    }
}

static async Task WaitServedAsync(DataPlaneProcess dp, string path)
{
    var deadline = DateTime.UtcNow.AddSeconds(30);
    while (!(await dp.Proxy.GetAsync(path)).IsSuccessStatusCode)
    {
        if (DateTime.UtcNow > deadline)
        {
            throw new TimeoutException($"{path} not served within 30 s");
        }
    }
}

async Task ColdStartAsync(int routes, int reps)
{
    await using var s3 = await S3rverProcess.StartAsync("res-bucket", "cfg-bucket");
    var env = s3.SiloEnvironment("res-bucket", "cfg-bucket", "@every 24h");
    env["deployment__role"] = "control_plane";
    env["deployment__admin__admin_key__0__key"] = Key;
    env["deployment__admin__max_body_bytes"] = "268435456";
    var silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-cold"), extraEnv: env);
    using (var admin = Admin(silo))
    {
        await Load(admin, routes);
        (await admin.PostAsync("/api/gateway_groups/default/snapshots?force=true", null)).EnsureSuccessStatusCode();
    }
    var gatewayPort = silo.GatewayPort;
    await silo.DisposeAsync(); // the CP is down for every cold start below
    var dpEnv = s3.SiloEnvironment("res-bucket", "cfg-bucket", "@every 24h");
    dpEnv["deployment__role"] = "data_plane";
    dpEnv["deployment__role_data_plane__config_provider"] = "yaml";
    dpEnv["fallback_cp__poll_interval"] = "200ms";
    var times = new List<double>();
    double rss = 0;
    for (var r = 0; r < reps; r++)
    {
        var watch = Stopwatch.StartNew();
        await using var dp = await DataPlaneProcess.StartAsync(RepoPaths.TempFolder("og-cold-dp"), dpEnv);
        while (!(await dp.Proxy.GetAsync("/r/1")).IsSuccessStatusCode)
        {
            await Task.Delay(5);
        }
        times.Add(watch.Elapsed.TotalSeconds);
        rss = Process.GetProcessById(dp.Process.Pid).WorkingSet64 / 1048576.0;
    }
    times.Sort();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"coldstart routes={routes} from=s3 cp=down first_200_s_median={times[times.Count / 2]:F2} min={times[0]:F2} max={times[^1]:F2} dp_rss_mb={rss:F0}"));
}

// Requests/s and latency through the DP, through nginx as a reverse proxy, and to the upstream directly: wrk, one
// target after the other, interleaved, so that the machine's noise spreads over all three.
async Task ProxyAsync(int reps, int seconds, List<(string Name, Dictionary<string, string> Env)> variants)
{
    var dir = RepoPaths.TempFolder("og-proxybench");
    // A route without plugins (the proxy's own cost), and two with the plugins whose cost the plugin issue asks for:
    // key-auth + limit-count (a limit never reached) + prometheus, and jwt-auth (HS256).
    const string jwtSecret = "bench-jwt-secret";
    var jwt = Hs256Token(jwtSecret, """{"key":"bench-jwt","exp":4102444800}""");
    OrleansGateway.Contracts.Resources.StoredResource Resource(OrleansGateway.Contracts.Resources.ResourceKind kind, string id, string json) => new(kind, id, json, 1, 1);
    var export = new OrleansGateway.Contracts.Grains.GroupExport("default", 1,
    [
        Resource(OrleansGateway.Contracts.Resources.ResourceKind.Upstream, "u", $$$"""{"id":"u","nodes":{"{{{echo.Address}}}":1}}"""),
        Resource(OrleansGateway.Contracts.Resources.ResourceKind.Route, "ip", """{"id":"ip","uri":"/ip","upstream_id":"u"}"""),
        Resource(OrleansGateway.Contracts.Resources.ResourceKind.Consumer, "jack",
            """{"username":"jack","plugins":{"key-auth":{"key":"bench-key"},"jwt-auth":{"key":"bench-jwt","secret":""" + $"\"{jwtSecret}\"" + "}}}"),
        Resource(OrleansGateway.Contracts.Resources.ResourceKind.Route, "kap",
            """{"id":"kap","uri":"/kap","upstream_id":"u","plugins":{"key-auth":{},"limit-count":{"count":1000000000,"time_window":3600},"prometheus":{}}}"""),
        Resource(OrleansGateway.Contracts.Resources.ResourceKind.Route, "jwt", """{"id":"jwt","uri":"/jwt","upstream_id":"u","plugins":{"jwt-auth":{}}}"""),
    ], "{}");
    await new OrleansGateway.Snapshots.SnapshotWriter(new OrleansGateway.Snapshots.Stores.FolderSnapshotStore(dir), OrleansGateway.Snapshots.SnapshotLayout.Embedded, null, 3, TimeProvider.System)
        .WriteAsync(export, CancellationToken.None);
    // Each variant is one DP process with extra environment (runtime knobs), measured side by side with the others.
    var dps = new List<(string Name, DataPlaneProcess Process)>();
    foreach (var (name, extra) in variants)
    {
        var env = new Dictionary<string, string>(extra)
        {
            ["deployment__role"] = "data_plane",
            ["deployment__role_data_plane__config_provider"] = "yaml",
            ["fallback_cp__folder"] = dir,
        };
        var dp = await DataPlaneProcess.StartAsync(RepoPaths.TempFolder("og-proxybench-dp"), env);
        dps.Add((name, dp));
        await dp.Process.WaitUntilAsync(async () => (await dp.Proxy.GetAsync("/ip")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "the route");
    }

    // Plain YARP forwarding to the same upstream: the .NET stack's own cost, without our route table and plugins.
    var yarpPort = FreePorts.Next();
    var yarpDll = Path.Combine(RepoPaths.Root, "bench", "YarpBaseline", "bin", RepoPaths.Configuration, "net10.0", "OrleansGateway.YarpBaseline.dll");
    await using var yarp = HostProcess.Start(yarpDll, dir, [yarpPort.ToString(CultureInfo.InvariantCulture), $"http://{echo.Address}"]);
    using (var probe = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{yarpPort}") })
    {
        await yarp.WaitUntilAsync(async () => (await probe.GetAsync("/ip")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "plain YARP");
    }

    var nginxPort = FreePorts.Next();
    var nginxDir = RepoPaths.TempFolder("og-nginx");
    File.WriteAllText(Path.Combine(nginxDir, "nginx.conf"), $$"""
        worker_processes 2;
        pid {{nginxDir}}/nginx.pid;
        error_log {{nginxDir}}/error.log;
        daemon off;
        events { worker_connections 1024; }
        http {
          access_log off;
          upstream echo { server {{echo.Address}}; keepalive 64; }
          server {
            listen 127.0.0.1:{{nginxPort}};
            location / { proxy_pass http://echo; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host; }
          }
        }
        """);
    // nginx must not inherit our stdout: a pipe it holds open would outlive the benchmark.
    using var nginx = Process.Start(new ProcessStartInfo("nginx", $"-c {nginxDir}/nginx.conf -p {nginxDir}") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true })!;
    HostProcess.Track(nginx);
    await Task.Delay(1000);
    var first = dps[0];
    List<(string Name, string Url, string? Header, DataPlaneProcess? Dp)> targets =
    [
        ("direct", $"http://{echo.Address}/ip", null, null),
        .. dps.Select(d => (d.Name, $"http://127.0.0.1:{d.Process.ProxyPort}/ip", (string?)null, (DataPlaneProcess?)d.Process)),
        ($"{first.Name}+key-auth+limit-count+prometheus", $"http://127.0.0.1:{first.Process.ProxyPort}/kap", "apikey: bench-key", first.Process),
        ($"{first.Name}+jwt-auth", $"http://127.0.0.1:{first.Process.ProxyPort}/jwt", $"Authorization: Bearer {jwt}", first.Process),
        ("plain-yarp", $"http://127.0.0.1:{yarpPort}/ip", null, null),
        ("nginx", $"http://127.0.0.1:{nginxPort}/ip", null, null),
    ];
    // Warm-up, not counted: a .NET process reaches its steady state after tiered JIT has recompiled the hot path.
    foreach (var (_, url, header, _) in targets)
    {
        await RunWrkAsync(url, Math.Min(seconds, 3), header);
    }
    var results = targets.ToDictionary(t => t.Name, _ => new List<(double Rps, double P50, double P99)>());
    // Bytes the DP allocated per request (its og_dp_allocated_bytes over the run, divided by the requests wrk made).
    var allocated = targets.ToDictionary(t => t.Name, _ => new List<double>());
    for (var r = 0; r < reps; r++)
    {
        foreach (var (name, url, header, dp) in targets)
        {
            var before = dp is null ? 0 : await AllocatedBytesAsync(dp);
            var output = await RunWrkAsync(url, seconds, header);
            if (dp is not null && Regex.Match(output, @"(\d+) requests in") is { Success: true } requests)
            {
                allocated[name].Add((await AllocatedBytesAsync(dp) - before) / double.Parse(requests.Groups[1].Value, CultureInfo.InvariantCulture));
            }
            results[name].Add((Number(output, "Requests/sec:"), Millis(output, " 50%"), Millis(output, " 99%")));
        }
    }
    nginx.Kill(entireProcessTree: true);
    foreach (var (_, dp) in dps)
    {
        await dp.DisposeAsync();
    }
    foreach (var (name, runs) in results)
    {
        var rps = runs.Select(x => x.Rps).Order().ToList();
        var p99 = runs.Select(x => x.P99).Order().ToList();
        var p50 = runs.Select(x => x.P50).Order().ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"proxy target={name} rps_median={rps[rps.Count / 2]:F0} p50_ms_median={p50[p50.Count / 2]:F2} p99_ms_median={p99[p99.Count / 2]:F2} runs={string.Join('/', rps.Select(x => x.ToString("F0", CultureInfo.InvariantCulture)))}"));
    }
    var nginxMedian = results["nginx"].Select(x => x.Rps).Order().ElementAt(reps / 2);
    foreach (var (name, _) in dps)
    {
        var ratio = results[name].Select(x => x.Rps).Order().ElementAt(reps / 2) / nginxMedian;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"proxy {(name == "orleans-gateway-dp" ? "" : name + "_")}dp_to_nginx_rps_ratio={ratio:F2}"));
    }
    foreach (var (name, bytes) in allocated.Where(a => a.Value.Count > 0))
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"proxy target={name} allocated_bytes_per_request_median={bytes.Order().ElementAt(bytes.Count / 2):F0}"));
    }
    var dpMedian = results[first.Name].Select(x => x.Rps).Order().ElementAt(reps / 2);
    foreach (var (name, _, _, _) in targets.Where(t => t.Header is not null))
    {
        var ratio = results[name].Select(x => x.Rps).Order().ElementAt(reps / 2) / dpMedian;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"proxy plugins={name[(first.Name.Length + 1)..]} to_no_plugins_rps_ratio={ratio:F2}"));
    }
    var yarpMedian = results["plain-yarp"].Select(x => x.Rps).Order().ElementAt(reps / 2);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"proxy plain_yarp_to_nginx_rps_ratio={yarpMedian / nginxMedian:F2}"));
    foreach (var (name, _) in dps)
    {
        var ratio = results[name].Select(x => x.Rps).Order().ElementAt(reps / 2) / yarpMedian;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"proxy {(name == "orleans-gateway-dp" ? "" : name + "_")}dp_to_plain_yarp_rps_ratio={ratio:F2}"));
    }
}

static async Task<string> RunWrkAsync(string url, int seconds, string? header = null)
{
    var info = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, UseShellExecute = false };
    foreach (var arg in new[] { "-t2", "-c32", $"-d{seconds}s", "--latency" })
    {
        info.ArgumentList.Add(arg);
    }
    if (header is not null)
    {
        info.ArgumentList.Add("-H");
        info.ArgumentList.Add(header);
    }
    info.ArgumentList.Add(url);
    using var wrk = Process.Start(info)!;
    var output = await wrk.StandardOutput.ReadToEndAsync();
    await wrk.WaitForExitAsync();
    return output;
}

// --variants "name:KEY=VALUE;KEY=VALUE,name2": DP processes to compare, each with extra environment variables.
static List<(string Name, Dictionary<string, string> Env)> ParseVariants(string spec)
{
    var variants = spec.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(entry =>
    {
        var parts = entry.Split(':', 2);
        var env = new Dictionary<string, string>();
        foreach (var kv in parts.Length < 2 ? [] : parts[1].Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var pair = kv.Split('=', 2);
            env[pair[0]] = pair.Length == 2 ? pair[1] : throw new ArgumentException($"--variants: '{kv}' in '{entry}' is not KEY=VALUE");
        }
        return (Name: parts[0], Env: env);
    }).ToList();
    if (variants.Count == 0 || variants.GroupBy(v => v.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
    {
        throw new ArgumentException($"--variants: give at least one variant, each name once ('{spec}')");
    }
    return variants;
}

static double Number(string output, string label)
{
    var line = output.Split('\n').First(l => l.TrimStart().StartsWith(label.Trim(), StringComparison.Ordinal));
    return double.Parse(line.Trim()[label.Trim().Length..].Trim(), CultureInfo.InvariantCulture);
}

static double Millis(string output, string label)
{
    var line = output.Split('\n').First(l => l.TrimStart().StartsWith(label.Trim(), StringComparison.Ordinal));
    var value = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
    return value.EndsWith("us", StringComparison.Ordinal) ? double.Parse(value[..^2], CultureInfo.InvariantCulture) / 1000
        : value.EndsWith("ms", StringComparison.Ordinal) ? double.Parse(value[..^2], CultureInfo.InvariantCulture)
        : double.Parse(value[..^1], CultureInfo.InvariantCulture) * 1000;
}

async Task Load(HttpClient admin, int routes)
{
    var bulk = new StringBuilder($"{{\"upstreams\":[{{\"id\":\"u\",\"nodes\":{{\"{echo.Address}\":1}}}}],\"routes\":[");
    for (var i = 0; i < routes; i++)
    {
        bulk.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture, $"{{\"id\":\"r{i}\",\"uri\":\"/r/{i}\",\"upstream_id\":\"u\"}}");
    }
    bulk.Append("]}");
    (await admin.PutAsync("/apisix/admin/configs", new StringContent(bulk.ToString(), Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
}

static HttpClient Admin(SiloProcess silo)
{
    var client = new HttpClient { BaseAddress = silo.Http.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
    client.DefaultRequestHeaders.Add("X-API-KEY", Key);
    return client;
}

string Arg(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

// An HS256 JWT, signed as any client library signs one.
static string Hs256Token(string secret, string payload)
{
    static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    var head = Encode(Encoding.UTF8.GetBytes("""{"alg":"HS256","typ":"JWT"}"""));
    var body = Encode(Encoding.UTF8.GetBytes(payload));
    var signature = System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes($"{head}.{body}"));
    return $"{head}.{body}.{Encode(signature)}";
}

// The DP's og_dp_allocated_bytes_total, read from its status port.
static async Task<double> AllocatedBytesAsync(DataPlaneProcess dp)
{
    var text = await dp.Status.GetStringAsync("/metrics");
    var match = Regex.Match(text, @"^og_dp_allocated_bytes_total\{[^}]*\} (\S+)$", RegexOptions.Multiline);
    return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
}
