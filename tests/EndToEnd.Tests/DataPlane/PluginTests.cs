using System.Net;
using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Snapshots;
using OrleansGateway.Snapshots.Stores;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.DataPlane;

/// <summary>The first plugin set on a real data plane and a real upstream (configuration given through a snapshot folder).</summary>
public sealed class PluginTests : IAsyncLifetime
{
    private EchoUpstream _echo = null!;
    private EchoUpstream _grpc = null!;
    private readonly int _http2Port = FreePorts.Next();
    private DataPlaneProcess _dp = null!;

    public async Task InitializeAsync()
    {
        _echo = await EchoUpstream.StartAsync();
        _grpc = await EchoUpstream.StartAsync("grpc", http2Only: true);
        var dir = RepoPaths.TempFolder("og-plugins");
        StoredResource R(ResourceKind kind, string id, string json) => new(kind, id, json, 1, 1);
        var export = new GroupExport("default", 1,
        [
            R(ResourceKind.Upstream, "1", $$$"""{"id":"1","nodes":{"{{{_echo.Address}}}":1},"type":"roundrobin","pass_host":"pass"}"""),
            R(ResourceKind.Consumer, "jack", """{"username":"jack","plugins":{"key-auth":{"key":"jack-key"}}}"""),
            R(ResourceKind.GlobalRule, "g", """{"id":"g","plugins":{"proxy-rewrite":{"headers":{"X-Global":"yes"}}}}"""),
            R(ResourceKind.Route, "auth", """{"id":"auth","uri":"/auth","upstream_id":"1","plugins":{"key-auth":{"hide_credentials":true}}}"""),
            R(ResourceKind.Route, "limited", """{"id":"limited","uri":"/limited","upstream_id":"1","plugins":{"limit-count":{"count":2,"time_window":60,"rejected_code":429}}}"""),
            R(ResourceKind.Route, "rewrite", """{"id":"rewrite","uri":"/rewrite/*","upstream_id":"1","plugins":{"proxy-rewrite":{"regex_uri":["^/rewrite/(.*)","/new/$1"],"host":"rewritten.test","headers":{"set":{"X-A":"1"}}}}}"""),
            R(ResourceKind.Route, "denied", """{"id":"denied","uri":"/denied","upstream_id":"1","plugins":{"ip-restriction":{"blacklist":["127.0.0.0/8"]}}}"""),
            R(ResourceKind.Route, "cors", """{"id":"cors","uri":"/cors","upstream_id":"1","plugins":{"cors":{}}}"""),
            R(ResourceKind.Route, "rr", """{"id":"rr","uri":"/rr","upstream_id":"1","plugins":{"response-rewrite":{"status_code":201,"body":"hello","headers":{"X-R":"1"}}}}"""),
            R(ResourceKind.Upstream, "hc", HealthCheckedUpstream(_echo.Address, $"127.0.0.1:{FreePorts.Next()}")),
            R(ResourceKind.Route, "hc", """{"id":"hc","uri":"/hc","upstream_id":"hc"}"""),
            R(ResourceKind.Route, "grpc", $$$$"""{"id":"grpc","uri":"/grpc.Echo/*","upstream":{"scheme":"grpc","nodes":{"{{{{_grpc.Address}}}}":1},"timeout":{"connect":2,"send":3,"read":3}}}"""),
            R(ResourceKind.Route, "by-body", """{"id":"by-body","uri":"/post","priority":1,"upstream_id":"1","plugins":{"proxy-rewrite":{"headers":{"X-Matched":"by-body"}}},"vars":["OR",["post_arg.user.tier","==","gold"],["AND",["post_arg_tier","==","gold"],["http_x_team","!","==","blue"]]]}"""),
            R(ResourceKind.Route, "post", """{"id":"post","uri":"/post","upstream_id":"1"}"""),
            R(ResourceKind.Route, "rr-vars", """{"id":"rr-vars","uri":"/rr-vars","upstream_id":"1","plugins":{"response-rewrite":{"body":"only on 500","vars":[["status","==",500]]}}}"""),
        ], "{}");
        await new SnapshotWriter(new FolderSnapshotStore(dir), SnapshotLayout.Embedded, null, 3, TimeProvider.System).WriteAsync(export, CancellationToken.None);
        _dp = await DataPlaneProcess.StartAsync(RepoPaths.TempFolder("og-plugins-dp"), new Dictionary<string, string>
        {
            ["deployment__role"] = "data_plane",
            ["deployment__role_data_plane__config_provider"] = "yaml",
            ["fallback_cp__folder"] = dir,
            ["fallback_cp__poll_interval"] = "500ms",
            ["apisix__node_listen__1__port"] = _http2Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["apisix__node_listen__1__enable_http2"] = "true",
        });
        await _dp.Process.WaitUntilAsync(async () => (await _dp.Status.GetAsync("/readyz")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "the snapshot applied");
    }

    /// <summary>A live node and a dead one (nothing listens), no retries, active checks every second.</summary>
    private static string HealthCheckedUpstream(string live, string dead) =>
        "{\"id\":\"hc\",\"nodes\":{\"" + live + "\":1,\"" + dead + "\":1},\"retries\":0," +
        "\"checks\":{\"active\":{\"http_path\":\"/\",\"healthy\":{\"interval\":1,\"successes\":1},\"unhealthy\":{\"interval\":1,\"tcp_failures\":1}}}}";

    public async Task DisposeAsync()
    {
        await _dp.DisposeAsync();
        await _echo.DisposeAsync();
        await _grpc.DisposeAsync();
    }

    [Fact]
    public async Task A_grpc_upstream_is_reached_over_cleartext_http2_and_its_trailers_come_back()
    {
        using var http2 = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_http2Port}"), DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var request = new HttpRequestMessage(HttpMethod.Post, "/grpc.Echo/Say") { Content = new ByteArrayContent([0, 0, 0, 0, 0]), Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
        var response = await http2.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal(HttpVersion.Version20, response.Version); // the node_listen port with enable_http2 speaks h2c
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("HTTP/2", body["protocol"]!.GetValue<string>());
        Assert.Equal("grpc", body["upstream"]!.GetValue<string>());
        Assert.Equal("0", Assert.Single(response.TrailingHeaders.GetValues("grpc-status")));

        // An HTTP/1.1 client still reaches the gRPC upstream in HTTP/2; a plain http upstream stays on HTTP/1.1.
        var viaHttp11 = JsonNode.Parse(await _dp.Proxy.GetStringAsync("/grpc.Echo/Other"))!;
        Assert.Equal("HTTP/2", viaHttp11["protocol"]!.GetValue<string>());
        var plain = JsonNode.Parse(await http2.GetStringAsync("/cors"))!;
        Assert.Equal("HTTP/1.1", plain["protocol"]!.GetValue<string>());
    }

    private async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> Send(HttpMethod method, string path, params (string, string)[] headers)
    {
        var request = new HttpRequestMessage(method, path);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        var response = await _dp.Proxy.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    [Fact]
    public async Task Key_auth_refuses_missing_and_unknown_keys_and_names_the_consumer_upstream()
    {
        var missing = await Send(HttpMethod.Get, "/auth");
        Assert.Equal((HttpStatusCode.Unauthorized, """{"message":"Missing API key in request"}"""), (missing.Status, missing.Body));
        var wrong = await Send(HttpMethod.Get, "/auth", ("apikey", "nope"));
        Assert.Equal((HttpStatusCode.Unauthorized, """{"message":"Invalid API key in request"}"""), (wrong.Status, wrong.Body));
        var ok = await Send(HttpMethod.Get, "/auth", ("apikey", "jack-key"));
        Assert.Equal(HttpStatusCode.OK, ok.Status);
        var headers = JsonNode.Parse(ok.Body)!["headers"]!;
        Assert.Equal("jack", headers["x-consumer-username"]!.GetValue<string>());
        Assert.Null(headers["apikey"]); // hide_credentials
        Assert.Equal("yes", headers["x-global"]!.GetValue<string>()); // the global rule ran too
        var byQuery = await Send(HttpMethod.Get, "/auth?apikey=jack-key&x=1");
        Assert.Equal(HttpStatusCode.OK, byQuery.Status);
        Assert.Equal("/auth?x=1", JsonNode.Parse(byQuery.Body)!["path"]!.GetValue<string>());
    }

    [Fact]
    public async Task Nested_vars_on_the_request_body_pick_the_route_and_the_upstream_gets_the_body_whole()
    {
        async Task<JsonNode> Post(string body, string type, string? team = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/post") { Content = new StringContent(body, System.Text.Encoding.UTF8, type) };
            if (team is not null)
            {
                request.Headers.Add("X-Team", team);
            }
            using var response = await _dp.Proxy.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        }

        const string gold = """{"user":{"tier":"gold","name":"jack"}}""";
        var json = await Post(gold, "application/json");
        Assert.Equal(("by-body", gold), (json["headers"]!["x-matched"]?.GetValue<string>(), json["body"]!.GetValue<string>()));
        Assert.Null((await Post("""{"user":{"tier":"silver"}}""", "application/json"))["headers"]!["x-matched"]);
        var form = await Post("tier=gold&x=1", "application/x-www-form-urlencoded");
        Assert.Equal(("by-body", "tier=gold&x=1"), (form["headers"]!["x-matched"]?.GetValue<string>(), form["body"]!.GetValue<string>()));
        Assert.Null((await Post("tier=gold", "application/x-www-form-urlencoded", team: "blue"))["headers"]!["x-matched"]); // !AND branch fails
        Assert.Null((await Post("not json", "application/json"))["headers"]!["x-matched"]);
    }

    [Fact]
    public async Task Limit_count_rejects_over_the_limit_and_shows_the_quota()
    {
        var first = await Send(HttpMethod.Get, "/limited");
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal("2", first.Response.Headers.GetValues("X-RateLimit-Limit").Single());
        Assert.Equal("1", first.Response.Headers.GetValues("X-RateLimit-Remaining").Single());
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "/limited")).Status);
        var third = await Send(HttpMethod.Get, "/limited");
        Assert.Equal(HttpStatusCode.TooManyRequests, third.Status);
        Assert.Equal("0", third.Response.Headers.GetValues("X-RateLimit-Remaining").Single());
    }

    [Fact]
    public async Task Proxy_rewrite_changes_path_host_and_headers_sent_upstream()
    {
        var (status, body, _) = await Send(HttpMethod.Get, "/rewrite/a/b?q=1");
        Assert.Equal(HttpStatusCode.OK, status);
        var echo = JsonNode.Parse(body)!;
        Assert.Equal("/new/a/b?q=1", echo["path"]!.GetValue<string>());
        Assert.Equal("rewritten.test", echo["host"]!.GetValue<string>());
        Assert.Equal("1", echo["headers"]!["x-a"]!.GetValue<string>());
    }

    [Fact]
    public async Task Ip_restriction_refuses_a_blacklisted_client()
    {
        var (status, body, _) = await Send(HttpMethod.Get, "/denied");
        Assert.Equal((HttpStatusCode.Forbidden, """{"message":"Your IP address is not allowed"}"""), (status, body));
    }

    [Fact]
    public async Task Cors_answers_preflight_and_decorates_responses()
    {
        var preflight = await Send(HttpMethod.Options, "/cors", ("Origin", "https://app.test"), ("Access-Control-Request-Method", "GET"));
        Assert.Equal(HttpStatusCode.OK, preflight.Status);
        Assert.Equal("*", preflight.Response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("5", preflight.Response.Headers.GetValues("Access-Control-Max-Age").Single());
        Assert.DoesNotContain("upstream", preflight.Body); // answered by the gateway
        var get = await Send(HttpMethod.Get, "/cors", ("Origin", "https://app.test"));
        Assert.Equal("*", get.Response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("upstream", get.Body);
    }

    [Fact]
    public async Task Response_rewrite_replaces_status_body_and_headers_when_its_vars_hold()
    {
        var (status, body, response) = await Send(HttpMethod.Get, "/rr");
        Assert.Equal((HttpStatusCode.Created, "hello"), (status, body));
        Assert.Equal("1", response.Headers.GetValues("X-R").Single());
        var untouched = await Send(HttpMethod.Get, "/rr-vars");
        Assert.Equal(HttpStatusCode.OK, untouched.Status);
        Assert.Contains("upstream", untouched.Body);
    }

    [Fact]
    public async Task Metrics_count_requests_by_route_and_status_and_show_the_version_and_mode()
    {
        await Send(HttpMethod.Get, "/denied");
        await Send(HttpMethod.Get, "/no-such-route");
        var metrics = await _dp.Status.GetStringAsync("/metrics");
        Assert.Contains("og_dp_requests_total{group=\"default\",route=\"denied\",status=\"403\"}", metrics);
        Assert.Contains("og_dp_requests_total{group=\"default\",route=\"\",status=\"404\"}", metrics);
        Assert.Contains("og_dp_config_version{group=\"default\"} 1", metrics);
        Assert.Contains("og_dp_mode{group=\"default\",mode=\"standalone\"} 1", metrics);
        Assert.Contains("og_dp_refused_snapshots_total{group=\"default\"} 0", metrics);
    }

    [Fact]
    public async Task Active_health_checks_take_a_dead_node_out_of_rotation()
    {
        // Without health checks and with retries 0, every other request would hit the dead node and fail.
        await _dp.Process.WaitUntilAsync(async () =>
        {
            var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => _dp.Proxy.GetAsync("/hc")));
            return results.All(r => r.IsSuccessStatusCode);
        }, TimeSpan.FromSeconds(20), "the dead node marked unhealthy");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++)
        {
            statuses.Add((await _dp.Proxy.GetAsync("/hc")).StatusCode);
        }
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
    }
}
