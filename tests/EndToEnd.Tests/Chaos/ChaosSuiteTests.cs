using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using OrleansGateway.TestSupport;
using Xunit.Abstractions;

namespace OrleansGateway.EndToEnd.Tests.Chaos;

/// <summary>
/// The promise under fire: three silos on PostgreSQL, snapshots to S3, two data planes, steady proxied load on both
/// and a steady stream of admin writes, while in turn one silo is killed and restarted, all silos are killed, one DP
/// is restarted with the CP down, the S3 server is stopped with the CP down, and everything is restored. The report
/// (failed requests, lost writes, convergence time, version regressions) goes to the test output and to
/// TestResults/chaos-report.md.
/// </summary>
public sealed class ChaosSuiteTests(ITestOutputHelper output)
{
    private const string Key = "chaos-suite-admin-key-0123456789";
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(90);

    /// <summary>After all silos died: from the first silo up to writes accepted and data planes back on the CP.</summary>
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(5);

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly StringBuilder _log = new();

    private void Note(string line)
    {
        var stamped = string.Create(CultureInfo.InvariantCulture, $"[{_clock.Elapsed.TotalSeconds,6:F1} s] {line}");
        _log.AppendLine(stamped);
        output.WriteLine(stamped);
    }

    [Fact]
    public async Task Dps_keep_answering_and_no_acknowledged_write_is_lost_through_cp_and_s3_failures()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        await using var s3 = await S3rverProcess.StartAsync("res-bucket", "cfg-bucket");
        await using var echo = await EchoUpstream.StartAsync();
        var siloEnv = s3.SiloEnvironment("res-bucket", "cfg-bucket", "@every 1s");
        siloEnv["deployment__role"] = "control_plane";
        siloEnv["deployment__admin__admin_key__0__key"] = Key;
        siloEnv["deployment__orleans__postgresql__connection_string"] = db.ConnectionString;
        siloEnv["deployment__orleans__cluster_id"] = db.Name;
        siloEnv.SetAll(TestPki.Shared.SiloEnv());
        var siloDirs = Enumerable.Range(0, 3).Select(_ => RepoPaths.TempFolder("og-chaos-silo")).ToArray();
        var siloPorts = Enumerable.Range(0, 3).Select(_ => (FreePorts.Next(), FreePorts.Next(), FreePorts.Next())).ToArray();
        var silos = new SiloProcess?[3];
        async Task StartSilo(int i) => silos[i] = await SiloProcess.StartAsync(siloDirs[i], siloPorts[i], siloEnv);
        async Task LaunchSilo(int i) => silos[i] = await SiloProcess.StartAsync(siloDirs[i], siloPorts[i], siloEnv, waitReady: false);
        async Task KillSilo(int i)
        {
            silos[i]!.Process.Kill();
            await silos[i]!.DisposeAsync();
            silos[i] = null;
        }
        // Fixed Admin API clients: a write to a dead silo fails like a client's would.
        var admins = siloPorts.Select(p => new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{p.Item1}"), Timeout = TimeSpan.FromSeconds(10) }).ToArray();
        foreach (var admin in admins)
        {
            admin.DefaultRequestHeaders.Add("X-API-KEY", Key);
        }

        var dpDirs = new[] { RepoPaths.TempFolder("og-chaos-dp"), RepoPaths.TempFolder("og-chaos-dp") };
        var dpPorts = new[] { (FreePorts.Next(), FreePorts.Next()), (FreePorts.Next(), FreePorts.Next()) };
        var dpEnv = s3.SiloEnvironment("res-bucket", "cfg-bucket", "@every 1s");
        dpEnv["deployment__role"] = "data_plane";
        dpEnv["deployment__orleans__postgresql__connection_string"] = db.ConnectionString;
        dpEnv["deployment__orleans__cluster_id"] = db.Name;
        dpEnv["fallback_cp__fallback_after"] = "2s";
        dpEnv["fallback_cp__poll_interval"] = "500ms";
        dpEnv.SetAll(TestPki.Shared.DataPlaneEnv("dp-default", "default"));
        var dps = new DataPlaneProcess[2];

        try
        {
            await Task.WhenAll(Enumerable.Range(0, 3).Select(StartSilo));
            await Until(async () => JsonNode.Parse(await admins[0].GetStringAsync("/api/cluster/silos"))!["active"]!.GetValue<int>() == 3, "three active silos");
            (await admins[0].PutAsync("/apisix/admin/upstreams/1", Json($$$"""{"nodes":{"{{{echo.Address}}}":1}}"""))).EnsureSuccessStatusCode();
            (await admins[0].PutAsync("/apisix/admin/routes/ip", Json("""{"uri":"/ip","upstream_id":"1"}"""))).EnsureSuccessStatusCode();
            for (var i = 0; i < 2; i++)
            {
                dps[i] = await DataPlaneProcess.StartAsync(dpDirs[i], dpEnv, dpPorts[i]);
            }
            foreach (var dp in dps)
            {
                await Until(async () => (await dp.Proxy.GetAsync("/ip")).IsSuccessStatusCode, "GET /ip through each DP");
            }
            Note("topology up: 3 silos (PostgreSQL), s3rver, 2 DPs, echo upstream");

            var loads = new[] { new ProxyLoad("dp1", () => dps[0].Proxy, "/ip", _clock), new ProxyLoad("dp2", () => dps[1].Proxy, "/ip", _clock) };
            var watches = new[] { new VersionWatch("dp1", () => dps[0].Status), new VersionWatch("dp2", () => dps[1].Status) };
            var writer = new AdminWriter(admins);
            TimeSpan dpRestartFrom, dpRestartTo;
            Recovery recovery;
            double convergeSeconds;
            long cpVersion;
            try
            {
                await Task.Delay(3000);
                Note($"steady: {writer.Acknowledged.Count} writes acknowledged");

                await KillSilo(1);
                Note("silo 2 killed (-9)");
                await Task.Delay(5000);
                await StartSilo(1);
                await Until(async () => JsonNode.Parse(await admins[0].GetStringAsync("/api/cluster/silos"))!["active"]!.GetValue<int>() == 3, "silo 2 rejoined");
                Note($"silo 2 restarted and rejoined; {writer.Acknowledged.Count} writes acknowledged");

                await Task.WhenAll(Enumerable.Range(0, 3).Select(KillSilo));
                Note("all silos killed (-9)");
                foreach (var dp in dps)
                {
                    await Until(async () => JsonNode.Parse(await dp.Status.GetStringAsync("/status"))!["mode"]!.GetValue<string>() == "fallback", "the DPs in fallback mode");
                }
                Note("both DPs in fallback mode, serving");

                dpRestartFrom = _clock.Elapsed;
                var before = watches[0].Highest;
                await dps[0].Process.StopAsync(TimeSpan.FromSeconds(20));
                await dps[0].DisposeAsync();
                dps[0] = await DataPlaneProcess.StartAsync(dpDirs[0], dpEnv, dpPorts[0]);
                await Until(async () => (await dps[0].Proxy.GetAsync("/ip")).IsSuccessStatusCode, "the restarted DP serving");
                dpRestartTo = _clock.Elapsed;
                var restarted = JsonNode.Parse(await dps[0].Status.GetStringAsync("/status"))!;
                Note($"dp1 restarted with the CP down: serving version {restarted["version"]} (was {before}) from {restarted["source"]}, " +
                     $"{(dpRestartTo - dpRestartFrom).TotalSeconds:F1} s from stop to first 200");

                s3.Stop();
                Note("S3 server stopped (CP still down)");
                await Task.Delay(5000);

                writer.Paused = true;
                await s3.StartAsync();
                var restoring = _clock.Elapsed;
                await Task.WhenAll(Enumerable.Range(0, 3).Select(LaunchSilo));
                recovery = await WatchRecoveryAsync(silos, admins, dps, restoring);
                if (recovery.WriteAfterFirstUp > RecoveryBound || recovery.DpsAfterFirstUp > RecoveryBound)
                {
                    KeepLogs(silos, dps);
                }
                await Until(async () => JsonNode.Parse(await admins[0].GetStringAsync("/api/cluster/silos"))!["active"]!.GetValue<int>() == 3, "three active silos again");
                var ready = _clock.Elapsed;
                cpVersion = JsonNode.Parse(await admins[0].GetStringAsync("/api/gateway_groups/default"))!["version"]!.GetValue<long>();
                foreach (var dp in dps)
                {
                    await Until(async () =>
                    {
                        var status = JsonNode.Parse(await dp.Status.GetStringAsync("/status"))!;
                        return status["mode"]!.GetValue<string>() == "control_plane" && status["version"]!.GetValue<long>() >= cpVersion;
                    }, "both DPs back on the control plane at its version");
                }
                convergeSeconds = (_clock.Elapsed - restoring).TotalSeconds;
                Note($"restored: the first silo up {recovery.FirstUp.TotalSeconds:F1} s after the restore began (silos up at " +
                     $"{string.Join(", ", recovery.UpAt.Select(t => $"{t.TotalSeconds:F1}"))} s), a write accepted {recovery.WriteAfterFirstUp.TotalSeconds:F2} s " +
                     $"after it, both DPs back on the CP at that write's version {recovery.DpsAfterFirstUp.TotalSeconds:F2} s after it; " +
                     $"all three active after {(ready - restoring).TotalSeconds:F1} s; both DPs at the CP's version {cpVersion} {convergeSeconds:F1} s after the restore began");

                writer.Paused = false;
                await Task.Delay(3000);
            }
            finally
            {
                await writer.DisposeAsync();
                foreach (var load in loads)
                {
                    await load.DisposeAsync();
                }
                foreach (var watch in watches)
                {
                    await watch.DisposeAsync();
                }
            }

            // Every acknowledged write is there, at the version it was acknowledged with.
            var lost = new List<string>();
            foreach (var (id, version) in writer.Acknowledged)
            {
                var response = await admins[0].GetAsync($"/apisix/admin/routes/{id}");
                var found = response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync())!["modifiedIndex"]!.GetValue<long>() : (long?)null;
                if (found != version)
                {
                    lost.Add($"{id}@{version} (found {found?.ToString(CultureInfo.InvariantCulture) ?? "nothing"})");
                }
            }
            var last = writer.Acknowledged[^1];
            foreach (var dp in dps)
            {
                await Until(async () => (await dp.Proxy.GetAsync($"/chaos/{last.Id}")).IsSuccessStatusCode, "the last acknowledged write served by both DPs");
            }

            var outsideRestart = loads[0].Failures.Where(f => f.At < dpRestartFrom || f.At > dpRestartTo).Concat(loads[1].Failures).ToList();
            var insideRestart = loads[0].Failures.Count(f => f.At >= dpRestartFrom && f.At <= dpRestartTo);
            var regressions = watches.SelectMany(w => w.Regressions).ToList();
            Note($"proxied requests: dp1 {loads[0].Succeeded} ok, dp2 {loads[1].Succeeded} ok; failed outside dp1's own restart: {outsideRestart.Count}; " +
                 $"failed during dp1's restart: {insideRestart}");
            Note($"admin writes: {writer.Attempted} attempted, {writer.Acknowledged.Count} acknowledged, {lost.Count} acknowledged writes lost");
            Note($"convergence after recovery (restore start → both DPs on the CP's version): {convergeSeconds:F1} s; version regressions: {regressions.Count}");
            WriteReport();

            Assert.True(outsideRestart.Count == 0, "failed proxied requests: " + string.Join("; ", outsideRestart.Take(10).Select(f => $"{f.At.TotalSeconds:F1}s {f.Outcome}")));
            Assert.True(lost.Count == 0, "acknowledged writes lost: " + string.Join(", ", lost.Take(20)));
            Assert.True(regressions.Count == 0, string.Join("; ", regressions.Take(10)));
            // Cluster recovery: once the first silo is up, writes and data planes must not wait for the others.
            Assert.True(recovery.WriteAfterFirstUp <= RecoveryBound, $"the first write was accepted {recovery.WriteAfterFirstUp.TotalSeconds:F2} s after the first silo was up");
            Assert.True(recovery.DpsAfterFirstUp <= RecoveryBound, $"the DPs were back on the CP {recovery.DpsAfterFirstUp.TotalSeconds:F2} s after the first silo was up");
            Assert.True(writer.Acknowledged.Count > 50, $"too few writes acknowledged to mean anything: {writer.Acknowledged.Count}");
            Assert.True(loads.All(l => l.Succeeded > 500), "too little proxied load to mean anything");
        }
        finally
        {
            foreach (var dp in dps.Where(d => d is not null))
            {
                await dp.DisposeAsync();
            }
            foreach (var silo in silos.Where(s => s is not null))
            {
                await silo!.DisposeAsync();
            }
            foreach (var admin in admins)
            {
                admin.Dispose();
            }
        }
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>When each silo came up (relative to the restore), and how long after the first one up a write was accepted and both DPs were back.</summary>
    private sealed record Recovery(TimeSpan[] UpAt, TimeSpan FirstUp, TimeSpan WriteAfterFirstUp, TimeSpan DpsAfterFirstUp);

    /// <summary>
    /// Watches silos launched after all died: each silo's <c>/healthz</c> (it answers once the silo has joined the
    /// cluster), a write sent to a silo that is up until one is accepted, and both data planes following the control
    /// plane again at that write's version.
    /// </summary>
    private async Task<Recovery> WatchRecoveryAsync(SiloProcess?[] silos, HttpClient[] admins, DataPlaneProcess[] dps, TimeSpan restoring)
    {
        var upAt = new TimeSpan?[silos.Length];
        TimeSpan? writeAt = null;
        long writeVersion = 0;
        var dpAt = new TimeSpan?[dps.Length];
        var deadline = _clock.Elapsed + Step;
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        while ((upAt.Any(t => t is null) || writeAt is null || dpAt.Any(t => t is null)) && _clock.Elapsed < deadline)
        {
            for (var i = 0; i < silos.Length; i++)
            {
                if (upAt[i] is null && await Answers(() => probe.GetAsync(new Uri(admins[i].BaseAddress!, "/healthz"))))
                {
                    upAt[i] = _clock.Elapsed - restoring;
                }
            }
            var up = Array.FindIndex(upAt, t => t is not null);
            if (writeAt is null && up >= 0)
            {
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    using var response = await admins[up].PutAsync("/apisix/admin/routes/recovery", Json("""{"uri":"/recovery","upstream_id":"1"}"""), timeout.Token);
                    if (response.IsSuccessStatusCode)
                    {
                        writeAt = _clock.Elapsed - restoring;
                        writeVersion = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["modifiedIndex"]!.GetValue<long>();
                    }
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
                {
                }
            }
            for (var i = 0; writeAt is not null && i < dps.Length; i++)
            {
                if (dpAt[i] is null && await OnControlPlaneAt(dps[i], writeVersion))
                {
                    dpAt[i] = _clock.Elapsed - restoring;
                }
            }
            await Task.Delay(50);
        }
        if (upAt.Any(t => t is null) || writeAt is null || dpAt.Any(t => t is null))
        {
            throw new TimeoutException($"recovery not complete within {Step.TotalSeconds} s: silos up at [{string.Join(", ", upAt)}], write at {writeAt}, DPs back at [{string.Join(", ", dpAt)}]");
        }
        var firstUp = upAt.Min()!.Value;
        return new Recovery(upAt.Select(t => t!.Value).ToArray(), firstUp, writeAt.Value - firstUp, dpAt.Max()!.Value - firstUp);

        static async Task<bool> Answers(Func<Task<HttpResponseMessage>> call)
        {
            try
            {
                using var response = await call();
                return response.IsSuccessStatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                return false;
            }
        }

        static async Task<bool> OnControlPlaneAt(DataPlaneProcess dp, long version)
        {
            try
            {
                var status = JsonNode.Parse(await dp.Status.GetStringAsync("/status"))!;
                return status["mode"]!.GetValue<string>() == "control_plane" && status["version"]!.GetValue<long>() >= version;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                return false;
            }
        }
    }

    private static async Task Until(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Step;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or NullReferenceException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{what}: not within {Step.TotalSeconds} s");
    }

    /// <summary>The processes' logs, beside the report, to find out why the recovery took longer than its bound.</summary>
    private static void KeepLogs(SiloProcess?[] silos, DataPlaneProcess[] dps)
    {
        var folder = Path.Combine(RepoPaths.Root, "TestResults");
        Directory.CreateDirectory(folder);
        for (var i = 0; i < silos.Length; i++)
        {
            File.WriteAllText(Path.Combine(folder, $"chaos-silo{i + 1}.log"), silos[i]?.Process.Output ?? "");
        }
        for (var i = 0; i < dps.Length; i++)
        {
            File.WriteAllText(Path.Combine(folder, $"chaos-dp{i + 1}.log"), dps[i].Process.Output);
        }
    }

    private void WriteReport()
    {
        var path = Path.Combine(RepoPaths.Root, "TestResults", "chaos-report.md");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, $"# Chaos suite, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC\n\n```\n{_log}```\n");
    }
}
