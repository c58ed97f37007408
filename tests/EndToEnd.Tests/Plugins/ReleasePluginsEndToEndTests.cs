using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.Plugins;

/// <summary>
/// The release and request plugins end to end: an APISIX user's apisix.yaml imported through
/// <c>PUT /apisix/admin/configs</c> of a real silo, served by a real data plane in front of real upstreams: a canary
/// split by weight, blue-green by header, a mirror that gets a copy, gzip on the way out, request ids, redirects,
/// mocks and injected faults.
/// </summary>
public sealed class ReleasePluginsEndToEndTests(ReleaseGatewayFixture fixture) : IClassFixture<ReleaseGatewayFixture>
{
    private HttpClient Proxy => fixture.Dp.Proxy;

    private static async Task<string> UpstreamOf(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["upstream"]!.GetValue<string>();

    [Fact]
    public async Task A_canary_splits_by_weight_and_blue_green_follows_the_header()
    {
        var seen = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            seen.Add(await UpstreamOf(await Proxy.GetAsync("/canary")));
        }
        Assert.Equal((2, 6), (seen.Count(s => s == "green"), seen.Count(s => s == "blue"))); // weights 1 (green) and 3 (the route's blue)

        var request = new HttpRequestMessage(HttpMethod.Get, "/canary");
        request.Headers.Add("release", "green");
        Assert.Equal("green", await UpstreamOf(await Proxy.SendAsync(request)));
    }

    [Fact]
    public async Task A_mirror_gets_a_copy_of_the_request_with_its_body_and_the_client_the_real_answer()
    {
        var response = await Proxy.PostAsync("/mirrored?x=1", new StringContent("payload", Encoding.UTF8, "text/plain"));
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(("blue", "payload"), (answer["upstream"]!.GetValue<string>(), answer["body"]!.GetValue<string>())); // the upstream got the body too
        await fixture.Dp.Process.WaitUntilAsync(() => Task.FromResult(fixture.Mirror.Received.Any(r => r.Request == "POST /copies/mirrored?x=1" && r.Body == "payload")),
            TimeSpan.FromSeconds(10), "the mirrored copy");
    }

    [Fact]
    public async Task Gzip_compresses_the_upstream_answer_for_a_client_that_accepts_it()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/zipped?pad=" + new string('x', 200));
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        var response = await Proxy.SendAsync(request);
        Assert.Equal("gzip", response.Content.Headers.ContentEncoding.Single());
        Assert.Contains("Accept-Encoding", response.Headers.Vary);
        await using var gzip = new GZipStream(await response.Content.ReadAsStreamAsync(), CompressionMode.Decompress);
        var text = await new StreamReader(gzip).ReadToEndAsync();
        Assert.Equal("blue", JsonNode.Parse(text)!["upstream"]!.GetValue<string>());

        var plain = await Proxy.GetAsync("/zipped"); // no Accept-Encoding
        Assert.Empty(plain.Content.Headers.ContentEncoding);
    }

    [Fact]
    public async Task Request_ids_redirects_mocks_and_faults_answer_as_apisix()
    {
        var withId = await Proxy.GetAsync("/zipped");
        var id = withId.Headers.GetValues("X-Request-Id").Single();
        Assert.Equal(id, JsonNode.Parse(await withId.Content.ReadAsStringAsync())!["headers"]!["x-request-id"]!.GetValue<string>());

        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Proxy.BaseAddress };
        var redirect = await noRedirects.GetAsync("/old/page?q=1");
        Assert.Equal((HttpStatusCode.MovedPermanently, "/new/page?q=1"), (redirect.StatusCode, redirect.Headers.Location!.OriginalString));

        var mock = await Proxy.GetAsync("/mock");
        // APISIX's default content type, literally "application/json;charset=utf8" (a name HttpClient does not know).
        Assert.Equal((HttpStatusCode.OK, """{"status":"mocked"}""", "application/json", "utf8"),
            (mock.StatusCode, Encoding.UTF8.GetString(await mock.Content.ReadAsByteArrayAsync()), mock.Content.Headers.ContentType!.MediaType, mock.Content.Headers.ContentType.CharSet));

        var fault = await Proxy.GetAsync("/fault?name=jack");
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "injected"), (fault.StatusCode, await fault.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.OK, (await Proxy.GetAsync("/fault?name=jill")).StatusCode);
    }
}

public sealed class RequestGuardPluginsEndToEndTests(ReleaseGatewayFixture fixture) : IClassFixture<ReleaseGatewayFixture>
{
    private HttpClient Proxy => fixture.Dp.Proxy;

    private async Task<HttpStatusCode> Send(string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return (await Proxy.SendAsync(request)).StatusCode;
    }

    [Fact]
    public async Task Real_ip_feeds_ip_restriction_and_uri_ua_and_referer_rules_refuse_as_apisix()
    {
        var client = ("X-Forwarded-For", "192.0.2.7");
        Assert.Equal(HttpStatusCode.OK, await Send("/guarded", client));
        Assert.Equal(HttpStatusCode.Forbidden, await Send("/guarded")); // the peer itself is not whitelisted
        Assert.Equal(HttpStatusCode.Forbidden, await Send("/guarded?q=select%20*%20from%20users", client));
        Assert.Equal(HttpStatusCode.Forbidden, await Send("/guarded", client, ("User-Agent", "BadBot/2")));
        Assert.Equal(HttpStatusCode.Forbidden, await Send("/guarded", client, ("Referer", "http://www.spam.test/page")));
        Assert.Equal(HttpStatusCode.OK, await Send("/guarded", client, ("Referer", "http://good.test/")));
        var blocked = await Proxy.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/guarded?q=select%20a%20from%20b") { Headers = { { "X-Forwarded-For", "192.0.2.7" } } });
        Assert.Equal("""{"error_msg":"blocked"}""", await blocked.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Bodies_are_held_to_max_body_size_and_checked_against_the_schema()
    {
        Assert.Equal(HttpStatusCode.OK, (await Proxy.PostAsync("/validated", new StringContent("""{"name":"jack"}""", Encoding.UTF8, "application/json"))).StatusCode);
        var invalid = await Proxy.PostAsync("/validated", new StringContent("""{"name":"j"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("name", await invalid.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge,
            (await Proxy.PostAsync("/validated", new StringContent($$"""{"name":"{{new string('x', 100)}}"}""", Encoding.UTF8, "application/json"))).StatusCode);
    }

    [Fact]
    public async Task Limit_req_refuses_the_second_request_of_a_slow_rate()
    {
        Assert.Equal(HttpStatusCode.OK, await Send("/paced"));
        Assert.Equal((HttpStatusCode)429, await Send("/paced"));
    }
}

/// <summary>One silo, one data plane and three upstreams (blue, green and a mirror), configured by one apisix.yaml.</summary>
public sealed class ReleaseGatewayFixture : IAsyncLifetime
{
    private S3rverProcess _s3 = null!;
    private SiloProcess _silo = null!;

    public EchoUpstream Blue { get; private set; } = null!;
    public EchoUpstream Green { get; private set; } = null!;
    public EchoUpstream Mirror { get; private set; } = null!;
    public DataPlaneProcess Dp { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _s3 = await S3rverProcess.StartAsync("res-bucket", "cfg-bucket");
        Blue = await EchoUpstream.StartAsync("blue");
        Green = await EchoUpstream.StartAsync("green");
        Mirror = await EchoUpstream.StartAsync("mirror");
        var env = _s3.SiloEnvironment("res-bucket", "cfg-bucket", "@every 1s");
        _silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-release"), extraEnv: env);
        using var admin = _silo.AdminClient();
        var yaml = $"""
            upstreams:
              - id: blue
                nodes:
                  "{Blue.Address}": 1
              - id: green
                nodes:
                  "{Green.Address}": 1
            routes:
              - id: canary
                uri: /canary
                upstream_id: blue
                plugins:
                  traffic-split:
                    rules:
                      - match:
                          - vars: [["http_release", "==", "green"]]
                        weighted_upstreams:
                          - upstream_id: green
                      - weighted_upstreams:
                          - upstream_id: green
                            weight: 1
                          - weight: 3
              - id: mirrored
                uri: /mirrored
                upstream_id: blue
                plugins:
                  proxy-mirror:
                    host: "http://{Mirror.Address}"
                    path: /copies
                    path_concat_mode: prefix
              - id: zipped
                uri: /zipped
                upstream_id: blue
                plugins:
                  gzip:
                    types: ["application/json"]
                    vary: true
                  request-id: {"{}"}
              - id: old
                uri: /old/*
                upstream_id: blue
                plugins:
                  redirect:
                    regex_uri: ["^/old/(.*)", "/new/$1"]
                    ret_code: 301
                    append_query_string: true
              - id: mock
                uri: /mock
                plugins:
                  mocking:
                    response_example: '{"{"}"status":"mocked"{"}"}'
                    with_mock_header: false
              - id: fault
                uri: /fault
                upstream_id: blue
                plugins:
                  fault-injection:
                    abort:
                      http_status: 503
                      body: injected
                      vars:
                        - [["arg_name", "==", "jack"]]
              - id: guarded
                uri: /guarded
                upstream_id: blue
                plugins:
                  real-ip:
                    source: http_x_forwarded_for
                    trusted_addresses: ["127.0.0.0/8", "::1"]
                  ip-restriction:
                    whitelist: ["192.0.2.7"]
                  uri-blocker:
                    block_rules: ["select.+from"]
                    rejected_msg: blocked
                  ua-restriction:
                    denylist: ["BadBot/\\d+"]
                    bypass_missing: true
                  referer-restriction:
                    blacklist: ["*.spam.test"]
                    bypass_missing: true
              - id: validated
                uri: /validated
                upstream_id: blue
                plugins:
                  client-control:
                    max_body_size: 64
                  request-validation:
                    body_schema:
                      type: object
                      required: ["name"]
                      properties:
                        name: {"{"}type: string, minLength: 2{"}"}
              - id: paced
                uri: /paced
                upstream_id: blue
                plugins:
                  limit-req:
                    rate: 0.1
                    burst: 0
                    key: remote_addr
                    rejected_code: 429
            #END
            """;
        var imported = await admin.PutAsync("/apisix/admin/configs", new StringContent(yaml, Encoding.UTF8, "application/yaml"));
        Assert.True(imported.IsSuccessStatusCode, await imported.Content.ReadAsStringAsync());

        env = DataPlaneEnvironment.Following(_silo, env);
        Dp = await DataPlaneProcess.StartAsync(RepoPaths.TempFolder("og-release-dp"), env);
        await Dp.Process.WaitUntilAsync(async () => (await Dp.Proxy.GetAsync("/mock")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "the routes applied");
    }

    public async Task DisposeAsync()
    {
        await Dp.DisposeAsync();
        await _silo.DisposeAsync();
        await Blue.DisposeAsync();
        await Green.DisposeAsync();
        await Mirror.DisposeAsync();
        await _s3.DisposeAsync();
    }
}
