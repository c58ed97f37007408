using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.Observability;

/// <summary>Prometheus text without any OTLP configuration: the silo's <c>/metrics</c> and the data plane's.</summary>
public class PrometheusMetricsTests
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>The value of the one series of <paramref name="metric"/> that has all of <paramref name="labels"/>.</summary>
    private static double? Value(string exposition, string metric, params string[] labels)
    {
        var line = exposition.Split('\n').SingleOrDefault(l => l.StartsWith(metric + "{", StringComparison.Ordinal) && labels.All(l.Contains));
        return line is null ? null : double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task The_silo_shows_admin_writes_and_group_versions_and_the_data_plane_still_shows_its_series()
    {
        await using var silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-prom-silo"));
        var admin = silo.AdminClient();
        Assert.True((await admin.PutAsync("/apisix/admin/upstreams/1", Json("""{"nodes":{"127.0.0.1:1980":1}}"""))).IsSuccessStatusCode);
        Assert.True((await admin.PutAsync("/apisix/admin/routes/1", Json("""{"uri":"/a","upstream_id":"1"}"""))).IsSuccessStatusCode);
        Assert.True((await admin.PutAsync("/apisix/admin/routes/2", Json("""{"uri":"/b","upstream_id":"1"}"""))).IsSuccessStatusCode);
        Assert.Equal(400, (int)(await admin.PutAsync("/apisix/admin/routes/3", Json("""{"uri":123}"""))).StatusCode);

        var dpEnv = new Dictionary<string, string>
        {
            ["deployment__role"] = "data_plane",
            ["deployment__orleans__gateways__0"] = $"127.0.0.1:{silo.GatewayPort}",
        };
        await using var dp = await DataPlaneProcess.StartAsync(RepoPaths.TempFolder("og-prom-dp"), dpEnv);
        await dp.Process.WaitUntilAsync(async () => JsonNode.Parse(await dp.Status.GetStringAsync("/status"))!["version"]!.GetValue<long>() == 3,
            TimeSpan.FromSeconds(60), "the data plane at version 3");
        Assert.Equal(404, (int)(await dp.Proxy.GetAsync("/nothing-here")).StatusCode);

        // No admin key: /metrics is open like /healthz (documented in README.md).
        var text = "";
        await silo.Process.WaitUntilAsync(async () =>
        {
            text = await silo.Http.GetStringAsync("/metrics");
            return Value(text, "og_cp_admin_writes_total", "group=\"default\"", "kind=\"routes\"", "outcome=\"ok\"") == 2;
        }, TimeSpan.FromSeconds(15), "og_cp_admin_writes_total for the two routes on the silo's /metrics");
        Assert.Equal(1, Value(text, "og_cp_admin_writes_total", "group=\"default\"", "kind=\"upstreams\"", "outcome=\"ok\""));
        Assert.Equal(1, Value(text, "og_cp_admin_writes_total", "group=\"default\"", "kind=\"routes\"", "outcome=\"rejected\""));
        Assert.Equal(3, Value(text, "og_cp_group_version", "group=\"default\""));
        await silo.Process.WaitUntilAsync(async () =>
            Value(await silo.Http.GetStringAsync("/metrics"), "og_cp_dataplanes", "group=\"default\"", "status=\"healthy\"") == 1,
            TimeSpan.FromSeconds(45), "one healthy data plane in og_cp_dataplanes");

        // A snapshot now: its duration lands in second-sized buckets, and the age of the last good one starts over.
        // (A scheduled snapshot may have run before: wait for this one's count, not any.)
        var uploadedBefore = Value(await silo.Http.GetStringAsync("/metrics"), "og_cp_snapshot_duration_seconds_count", "group=\"default\"", "outcome=\"uploaded\"") ?? 0;
        Assert.True((await admin.PostAsync("/api/gateway_groups/default/snapshots?force=true", null)).IsSuccessStatusCode);
        var afterSnapshot = "";
        await silo.Process.WaitUntilAsync(async () =>
        {
            afterSnapshot = await silo.Http.GetStringAsync("/metrics"); // the exporter may answer from a short cache
            return Value(afterSnapshot, "og_cp_snapshot_duration_seconds_count", "group=\"default\"", "outcome=\"uploaded\"") > uploadedBefore;
        }, TimeSpan.FromSeconds(15), "the forced snapshot's duration on /metrics");
        Assert.NotNull(Value(afterSnapshot, "og_cp_snapshot_duration_seconds_bucket", "outcome=\"uploaded\"", "le=\"0.5\""));
        Assert.InRange(Value(afterSnapshot, "og_cp_snapshot_age_seconds", "group=\"default\"") ?? -1, 0, 10);

        var dpText = await dp.Status.GetStringAsync("/metrics");
        Assert.Equal(3, Value(dpText, "og_dp_config_version", "group=\"default\""));
        Assert.Equal(1, Value(dpText, "og_dp_mode", "group=\"default\"", "mode=\"control_plane\""));
        Assert.Equal(1, Value(dpText, "og_dp_requests_total", "route=\"\"", "status=\"404\""));
        Assert.InRange(Value(dpText, "og_dp_seconds_since_sync", "group=\"default\"") ?? -1, 0, 10);
    }
}
