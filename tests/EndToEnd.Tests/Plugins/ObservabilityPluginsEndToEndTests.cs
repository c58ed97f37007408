using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.Plugins;

/// <summary>
/// prometheus and http-logger end to end: a real data plane counts requests with APISIX's metric names and labels on
/// its status port, and ships log entries in batches to a real HTTP sink, in APISIX's entry format or the plugin
/// metadata's <c>log_format</c>, retrying a sink that refuses and never holding a request for it.
/// </summary>
public sealed class ObservabilityPluginsEndToEndTests(ObservabilityGatewayFixture fixture) : IClassFixture<ObservabilityGatewayFixture>
{
    private HttpClient Proxy => fixture.Dp.Proxy;

    private async Task<string> Metrics() => await fixture.Dp.Status.GetStringAsync("/apisix/prometheus/metrics");

    [Fact]
    public async Task Prometheus_counts_by_route_consumer_node_and_status_with_apisix_names()
    {
        for (var i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/counted?i=1");
            request.Headers.Add("apikey", "jack-key");
            Assert.Equal(HttpStatusCode.OK, (await Proxy.SendAsync(request)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await Proxy.GetAsync("/counted")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Proxy.GetAsync("/nowhere")).StatusCode); // counted by the global rule

        var text = await Metrics();
        Assert.Contains("apisix_http_status{code=\"200\",route=\"counted-route\",matched_uri=\"/counted\",matched_host=\"\",service=\"svc\",consumer=\"jack\",node=\"127.0.0.1\"," +
            "request_type=\"traditional_http\",request_llm_model=\"\",llm_model=\"\",response_source=\"upstream\"} 3", text);
        Assert.Contains("apisix_http_status{code=\"401\",route=\"counted-route\",matched_uri=\"/counted\",matched_host=\"\",service=\"svc\",consumer=\"\",node=\"\"," +
            "request_type=\"traditional_http\",request_llm_model=\"\",llm_model=\"\",response_source=\"apisix\"} 1", text);
        Assert.Contains("apisix_http_status{code=\"404\",route=\"\",matched_uri=\"\",matched_host=\"\",service=\"\",consumer=\"\",node=\"\"," +
            "request_type=\"traditional_http\",request_llm_model=\"\",llm_model=\"\",response_source=\"apisix\"} 1", text);
        Assert.Contains("apisix_http_latency_count{type=\"upstream\",route=\"counted-route\",service=\"svc\",consumer=\"jack\",node=\"127.0.0.1\",request_type=\"traditional_http\",request_llm_model=\"\",llm_model=\"\"} 3", text);
        Assert.Matches("apisix_http_latency_bucket\\{type=\"request\",route=\"counted-route\",service=\"svc\",consumer=\"jack\",node=\"127.0.0.1\",[^}]*le=\"\\+Inf\"\\} 3", text);
        var egress = Regex.Match(text, "apisix_bandwidth\\{type=\"egress\",route=\"counted-route\",service=\"svc\",consumer=\"jack\",[^}]*\\} (\\d+)");
        Assert.True(egress.Success && long.Parse(egress.Groups[1].Value) > 3 * 100, text); // three echoed bodies with their headers
        Assert.Contains("# TYPE apisix_http_latency histogram", text);
        Assert.Contains("apisix_node_info{hostname=", text);
    }

    [Fact]
    public async Task Http_logger_ships_apisix_entries_in_batches_to_the_sink()
    {
        var before = fixture.Sink.Received.Count(r => r.Request.StartsWith("POST /batched", StringComparison.Ordinal));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await Proxy.PostAsync($"/logged?n={i}", new StringContent($"body-{i}"))).StatusCode);
        }
        // Two entries fill a batch at once; the third follows after a second of quiet (inactive_timeout).
        await fixture.Dp.Process.WaitUntilAsync(() => Task.FromResult(
            fixture.Sink.Received.Count(r => r.Request.StartsWith("POST /batched", StringComparison.Ordinal)) >= before + 2), TimeSpan.FromSeconds(15), "two batches");
        var batches = fixture.Sink.Received.Where(r => r.Request.StartsWith("POST /batched", StringComparison.Ordinal)).Skip(before).Select(r => JsonNode.Parse(r.Body)!.AsArray()).ToList();
        Assert.Equal([2, 1], batches.Select(b => b.Count));
        var entry = batches[0][0]!;
        Assert.Equal(("POST", "logged", 200, "body-0"), (entry["request"]!["method"]!.GetValue<string>(), entry["route_id"]!.GetValue<string>(),
            entry["response"]!["status"]!.GetValue<int>(), entry["request"]!["body"]!.GetValue<string>()));
        Assert.Equal("0", entry["request"]!["querystring"]!["n"]!.GetValue<string>());
        Assert.StartsWith("127.0.0.1:", entry["upstream"]!.GetValue<string>());
        Assert.True(entry["latency"]!.GetValue<double>() >= entry["upstream_latency"]!.GetValue<double>());
        Assert.Equal("Bearer sink-token", fixture.SinkAuthorization());
    }

    [Fact]
    public async Task A_log_format_shapes_entries_and_a_refusing_sink_never_holds_requests()
    {
        var before = fixture.Sink.Received.Count(r => r.Request.StartsWith("POST /formatted", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await Proxy.GetAsync("/formatted?x=1")).StatusCode);
        await fixture.Dp.Process.WaitUntilAsync(() => Task.FromResult(
            fixture.Sink.Received.Count(r => r.Request.StartsWith("POST /formatted", StringComparison.Ordinal)) > before), TimeSpan.FromSeconds(15), "the entry");
        var entry = JsonNode.Parse(fixture.Sink.Received.Where(r => r.Request.StartsWith("POST /formatted", StringComparison.Ordinal)).Last().Body)!;
        Assert.Equal(("127.0.0.1", "formatted", 200, "/formatted?x=1"), (entry["client"]!.GetValue<string>(), entry["route_id"]!.GetValue<string>(),
            entry["nested"]!["status"]!.GetValue<int>(), entry["nested"]!["uri"]!.GetValue<string>()));
        Assert.False(entry.AsObject().ContainsKey("missing")); // an unset variable leaves its key out

        // A sink answering 500: the requests are served at once all the same.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await Proxy.GetAsync("/refused")).StatusCode);
        }
        await fixture.Dp.Process.WaitUntilAsync(() => Task.FromResult(fixture.Sink.Received.Count(r => r.Request.StartsWith("POST /refusing", StringComparison.Ordinal)) >= 2),
            TimeSpan.FromSeconds(15), "the batch sent and retried once");
    }
}

/// <summary>One silo, one data plane, an upstream and a log sink (an HTTP server that records what it is sent).</summary>
public sealed class ObservabilityGatewayFixture : IAsyncLifetime
{
    private S3rverProcess _s3 = null!;
    private SiloProcess _silo = null!;
    private EchoUpstream _echo = null!;

    public EchoUpstream Sink { get; private set; } = null!;
    public DataPlaneProcess Dp { get; private set; } = null!;

    /// <summary>The Authorization header the sink got with the batched entries.</summary>
    public string? SinkAuthorization() => Sink.ReceivedHeaders.TryGetValue("POST /batched", out var auth) ? auth : null;

    public async Task InitializeAsync()
    {
        _s3 = await S3rverProcess.StartAsync("res-bucket", "cfg-bucket");
        _echo = await EchoUpstream.StartAsync();
        Sink = await EchoUpstream.StartAsync("sink");
        var env = _s3.SiloEnvironment("res-bucket", "cfg-bucket", "@every 1s");
        _silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-observe"), extraEnv: env);
        using var admin = _silo.AdminClient();
        async Task Put(string path, string json)
        {
            var response = await admin.PutAsync($"/apisix/admin/{path}", new StringContent(json, Encoding.UTF8, "application/json"));
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }
        await Put("upstreams/1", $$$$"""{"nodes":{"{{{{_echo.Address}}}}":1}}""");
        await Put("services/svc", """{"upstream_id":"1"}""");
        await Put("consumers", """{"username":"jack","plugins":{"key-auth":{"key":"jack-key"}}}""");
        await Put("routes/counted-route", """{"uri":"/counted","service_id":"svc","plugins":{"key-auth":{},"prometheus":{}}}""");
        await Put("global_rules/g", """{"plugins":{"prometheus":{}}}""");
        await Put("routes/logged", $$$$"""
            {"uri":"/logged","upstream_id":"1","plugins":{"http-logger":{"uri":"http://{{{{Sink.Address}}}}/batched","batch_max_size":2,"inactive_timeout":1,
             "include_req_body":true,"auth_header":"Bearer sink-token"}}}
            """);
        await Put("routes/formatted", """{"uri":"/formatted","upstream_id":"1","plugins":{"http-logger":{"uri":"http://""" + Sink.Address + """/formatted","batch_max_size":1,""" +
            """ "log_format":{"client":"$remote_addr","missing":"$http_nothing","nested":{"status":"$status","uri":"$request_uri"}}}}}""");
        await Put("routes/refused", $$$$"""
            {"uri":"/refused","upstream_id":"1","plugins":{"http-logger":{"uri":"http://{{{{Sink.Address}}}}/refusing?status=500","batch_max_size":5,"inactive_timeout":1,
             "max_retry_count":1,"retry_delay":0}}}
            """);

        env = DataPlaneEnvironment.Following(_silo, env);
        Dp = await DataPlaneProcess.StartAsync(RepoPaths.TempFolder("og-observe-dp"), env);
        await Dp.Process.WaitUntilAsync(async () => (await Dp.Proxy.GetAsync("/formatted?warmup=1")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "the routes applied");
    }

    public async Task DisposeAsync()
    {
        await Dp.DisposeAsync();
        await _silo.DisposeAsync();
        await _echo.DisposeAsync();
        await Sink.DisposeAsync();
        await _s3.DisposeAsync();
    }
}
