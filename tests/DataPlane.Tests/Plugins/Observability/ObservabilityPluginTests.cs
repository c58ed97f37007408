using System.Text;
using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.DataPlane.Observability;
using OrleansGateway.DataPlane.Plugins.Observability;
using static OrleansGateway.DataPlane.Tests.Plugins.PluginHarness;

namespace OrleansGateway.DataPlane.Tests.Plugins.Observability;

/// <summary>prometheus' series and http-logger's entries and batches, as APISIX's t/plugin tests have them.</summary>
public class ObservabilityPluginTests
{
    private static string Render()
    {
        var text = new StringBuilder();
        ApisixMetrics.Shared.Render(text);
        return text.ToString();
    }

    [Fact]
    public async Task Prometheus_prefers_names_when_asked_and_counts_a_request_once_with_a_global_rule()
    {
        var gateway = new PluginHarness(
            R(ResourceKind.Service, "svc-p", """{"id":"svc-p","name":"service_name","upstream_id":"u"}"""),
            R(ResourceKind.Route, "named-p", """{"id":"named-p","name":"route_name","uri":"/named-p","service_id":"svc-p","plugins":{"prometheus":{"prefer_name":true}}}"""),
            R(ResourceKind.GlobalRule, "gp", """{"id":"gp","plugins":{"prometheus":{}}}"""));
        await gateway.RunAsync("/named-p", upstreamStatus: 201);
        var text = Render();
        Assert.Contains("route=\"route_name\",matched_uri=\"/named-p\",matched_host=\"\",service=\"service_name\"", text);
        var line = text.Split('\n').Single(l => l.StartsWith("apisix_http_status{code=\"200\",route=\"route_name\"", StringComparison.Ordinal));
        Assert.EndsWith(" 1", line); // the route counts it; the global rule does not count it again
    }

    [Fact]
    public async Task Latency_histograms_are_cumulative_with_apisix_buckets()
    {
        var gateway = new PluginHarness(Route("hist-p", """{"prometheus":{}}"""));
        await gateway.RunAsync("/hist-p");
        var buckets = Render().Split('\n').Where(l => l.StartsWith("apisix_http_latency_bucket{type=\"request\",route=\"hist-p\"", StringComparison.Ordinal)).ToList();
        Assert.Equal(16, buckets.Count); // 15 buckets and +Inf
        Assert.EndsWith("le=\"60000\"} 1", buckets[14]);
        Assert.EndsWith("le=\"+Inf\"} 1", buckets[15]);
    }

    [Fact]
    public async Task The_plugin_metadata_log_format_applies_unless_the_route_has_its_own()
    {
        var sent = new List<string>();
        var gateway = new PluginHarness(
            R(ResourceKind.PluginMetadata, "http-logger", """{"id":"http-logger","log_format":{"host":"$host","client":"$remote_addr","deep":{"a":{"b":{"c":{"d":{"e":"$host"}}}}}}}"""),
            Route("meta", """{"http-logger":{"uri":"http://127.0.0.1:1/meta","batch_max_size":1}}"""),
            Route("own", """{"http-logger":{"uri":"http://127.0.0.1:1/own","batch_max_size":1,"log_format":{"route":"$route_id","status":"$status"}}}"""));
        var meta = await gateway.RunAsync("/meta");
        var entry = LogEntries.Custom(meta.Context, (JsonObject)JsonNode.Parse("""{"host":"$host","client":"$remote_addr","deep":{"a":{"b":{"c":{"d":{"e":"$host"}}}}}}""")!,
            new LogEntries.Bodies(null, null));
        Assert.Equal("""{"host":"gateway.test","client":"10.0.0.1","deep":{"a":{"b":{"c":{"d":{}}}}},"route_id":"meta"}""", entry.ToJsonString());
        var own = await gateway.RunAsync("/own");
        var ownEntry = LogEntries.Custom(own.Context, (JsonObject)JsonNode.Parse("""{"route":"$route_id","status":"$status"}""")!, new LogEntries.Bodies(null, null));
        Assert.Equal("""{"route":"own","status":200,"route_id":"own"}""", ownEntry.ToJsonString());
    }

    [Fact]
    public async Task A_full_entry_carries_apisix_fields()
    {
        var gateway = new PluginHarness(Consumer("jack", """{"key-auth":{"key":"k"}}"""), Route("full", """{"key-auth":{}}"""));
        var outcome = await gateway.RunAsync("/full?a=1&a=2&flag", r => r.Headers["apikey"] = "k");
        var entry = LogEntries.Full(outcome.Context, new LogEntries.Bodies("req", "resp"));
        Assert.Equal(("GET", "/full?a=1&a=2&flag", "full", "", "jack", "10.0.0.1"), (entry["request"]!["method"]!.GetValue<string>(), entry["request"]!["uri"]!.GetValue<string>(),
            entry["route_id"]!.GetValue<string>(), entry["service_id"]!.GetValue<string>(), entry["consumer"]!["username"]!.GetValue<string>(), entry["client_ip"]!.GetValue<string>()));
        Assert.Equal("""{"a":["1","2"],"flag":true}""", entry["request"]!["querystring"]!.ToJsonString());
        Assert.Equal(("req", "resp"), (entry["request"]!["body"]!.GetValue<string>(), entry["response"]!["body"]!.GetValue<string>()));
        Assert.True(entry["start_time"]!.GetValue<long>() > 1_700_000_000_000);
        Assert.False(entry.ContainsKey("upstream")); // not forwarded (the harness does not proxy)
    }

    [Fact]
    public async Task A_batch_processor_sends_full_batches_at_once_retries_and_then_drops()
    {
        var batches = new List<int>();
        var failures = 0;
        var settings = new BatchSettings("test-logger", "test", 2, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), 1, TimeSpan.Zero);
        var processor = BatchProcessor.For($"test:{Guid.NewGuid()}", settings, (entries, _) =>
        {
            lock (batches)
            {
                if (entries.Count == 2 && failures++ == 0)
                {
                    throw new BatchRefusedException("server returned status code[500]");
                }
                batches.Add(entries.Count);
            }
            return Task.CompletedTask;
        }, TimeProvider.System);

        processor.Push(new JsonObject(), 100);
        processor.Push(new JsonObject(), 100); // full: sent now, refused once, retried
        processor.Push(new JsonObject(), 100); // alone: sent after a second without another
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && batches.Count < 2)
        {
            await Task.Delay(50);
        }
        lock (batches)
        {
            Assert.Equal([1, 2], batches.Order());
        }
        Assert.Equal(0, BatchProcessor.PendingOf("test-logger"));
        processor.Dispose();
    }
}
