using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.Observability;

/// <summary>
/// A silo and a data-plane process exporting over OTLP/HTTP to a receiver in the test: one Admin API write, sent with a
/// known <c>traceparent</c>, must come back as spans of that trace from both processes.
/// </summary>
public class TelemetryExportTests
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static Dictionary<string, string> Otel(OtlpReceiver otlp, string serviceName) => new()
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp.Endpoint,
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_SERVICE_NAME"] = serviceName,
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
    };

    private static async Task<HttpResponseMessage> PutTracedAsync(HttpClient admin, string path, string json, ActivityTraceId traceId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = Json(json) };
        request.Headers.Add("traceparent", $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        return await admin.SendAsync(request);
    }

    [Fact]
    public async Task A_traced_admin_write_is_exported_by_the_silo_and_continued_by_the_data_plane_that_applies_it()
    {
        await using var otlp = await OtlpReceiver.StartAsync();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var siloName = "og-e2e-silo-" + suffix;
        var dpName = "og-e2e-dp-" + suffix;
        // control_plane: no proxy inside the silo, so every apply in the trace is the data plane's.
        var siloEnv = Otel(otlp, siloName);
        siloEnv["deployment__role"] = "control_plane";
        await using var silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-otel-silo"), extraEnv: siloEnv);
        var dpEnv = Otel(otlp, dpName);
        dpEnv["deployment__role"] = "data_plane";
        dpEnv["deployment__orleans__gateways__0"] = $"127.0.0.1:{silo.GatewayPort}";
        await using var dp = await DataPlaneProcess.StartAsync(RepoPaths.TempFolder("og-otel-dp"), dpEnv);
        await dp.Process.WaitUntilAsync(async () => JsonNode.Parse(await dp.Status.GetStringAsync("/status"))!["mode"]!.GetValue<string>() == "control_plane",
            TimeSpan.FromSeconds(60), "the data plane following the control plane");

        var traceId = ActivityTraceId.CreateRandom();
        var admin = silo.AdminClient();
        Assert.True((await PutTracedAsync(admin, "/apisix/admin/upstreams/1", """{"nodes":{"127.0.0.1:1980":1}}""", traceId)).IsSuccessStatusCode);
        var route = await PutTracedAsync(admin, "/apisix/admin/routes/1", """{"uri":"/traced","upstream_id":"1"}""", traceId);
        Assert.True(route.IsSuccessStatusCode);
        var version = JsonNode.Parse(await route.Content.ReadAsStringAsync())!["modifiedIndex"]!.GetValue<long>();
        await dp.Process.WaitUntilAsync(async () => JsonNode.Parse(await dp.Status.GetStringAsync("/status"))!["version"]!.GetValue<long>() >= version,
            TimeSpan.FromSeconds(15), $"the data plane at version {version}");

        var traceBytes = new byte[16];
        traceId.CopyTo(traceBytes);
        var siloBytes = Encoding.UTF8.GetBytes(siloName);
        var dpBytes = Encoding.UTF8.GetBytes(dpName);
        // Spans end at different moments and come in separate batches: wait for each, by process and by our span name.
        await WaitForAsync(() => otlp.AnyBodyContainsAll("/v1/traces", traceBytes, siloBytes, Encoding.UTF8.GetBytes("og.group.write")),
            "the silo's og.group.write span in the write's trace", otlp, silo.Process, dp.Process);
        await WaitForAsync(() => otlp.AnyBodyContainsAll("/v1/traces", traceBytes, dpBytes, Encoding.UTF8.GetBytes("og.dp.apply")),
            "the data plane's og.dp.apply span in the write's trace", otlp, silo.Process, dp.Process);
        // The silo pushed the change itself: the apply says so, and made no call back for it.
        await WaitForAsync(() => otlp.AnyBodyContainsAll("/v1/traces", traceBytes, dpBytes, Encoding.UTF8.GetBytes("og.dp.apply"), Encoding.UTF8.GetBytes("a push")),
            "the data plane's apply of the pushed change in the write's trace", otlp, silo.Process, dp.Process);
        Assert.False(otlp.AnyBodyContainsAll("/v1/traces", traceBytes, Encoding.UTF8.GetBytes("GetChangesSince")), "a pushed change needs no GetChangesSince");
        // The meters go out over OTLP too.
        await WaitForAsync(() => otlp.AnyBodyContainsAll("/v1/metrics", siloBytes, Encoding.UTF8.GetBytes("og_cp_admin_writes")), "the silo's metrics over OTLP", otlp, silo.Process, dp.Process);
        await WaitForAsync(() => otlp.AnyBodyContainsAll("/v1/metrics", dpBytes, Encoding.UTF8.GetBytes("og_dp_config_version")), "the data plane's metrics over OTLP", otlp, silo.Process, dp.Process);
    }

    private static async Task WaitForAsync(Func<bool> condition, string what, OtlpReceiver otlp, params HostProcess[] processes)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return;
            }
            await Task.Delay(200);
        }
        var received = string.Join(", ", new[] { "/v1/traces", "/v1/metrics", "/v1/logs" }.Select(p => $"{p}: {otlp.Bodies(p).Count} posts"));
        Assert.Fail($"{what} did not arrive within 30 s ({received}).\n" + string.Join("\n----\n", processes.Select(p => p.Output)));
    }
}
