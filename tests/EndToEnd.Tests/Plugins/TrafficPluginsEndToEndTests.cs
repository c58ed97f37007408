using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.Plugins;

/// <summary>
/// The traffic-control plugins end to end: a real silo, two real data planes sharing a real Redis, a real upstream.
/// A <c>policy: redis</c> limit holds across both data planes; limit-conn and api-breaker act on real in-flight
/// requests and real upstream statuses; when Redis goes down the data planes answer as APISIX and recover with it.
/// </summary>
public sealed class TrafficPluginsEndToEndTests(TrafficGatewayFixture fixture) : IClassFixture<TrafficGatewayFixture>
{
    [Fact]
    public async Task A_redis_limit_holds_across_two_data_planes_and_redis_going_down_answers_as_apisix()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            statuses.Add((await (i % 2 == 0 ? fixture.Dp1 : fixture.Dp2).Proxy.GetAsync("/shared")).StatusCode);
        }
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        var refused = await fixture.Dp2.Proxy.GetAsync("/shared");
        Assert.Equal(("4", "0"), (refused.Headers.GetValues("X-RateLimit-Limit").Single(), refused.Headers.GetValues("X-RateLimit-Remaining").Single()));
        // The password is sealed at rest and opened by the data planes.
        var stored = JsonNode.Parse(await fixture.Admin.GetStringAsync("/apisix/admin/configs"))!["routes"]!.AsArray().Single(r => r!["id"]!.GetValue<string>() == "shared")!;
        Assert.StartsWith("$enc:v1:", stored["plugins"]!["limit-count"]!["redis_password"]!.GetValue<string>());

        fixture.Redis.Stop();
        var down = await fixture.Dp1.Proxy.GetAsync("/shared");
        Assert.Equal((HttpStatusCode.InternalServerError, """{"error_msg":"failed to limit count"}"""), (down.StatusCode, await down.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.OK, (await fixture.Dp2.Proxy.GetAsync("/lenient")).StatusCode); // allow_degradation (its Redis never answers)

        await fixture.Redis.StartAsync(); // back, empty: counting starts afresh
        await fixture.Dp1.Process.WaitUntilAsync(async () => (await fixture.Dp1.Proxy.GetAsync("/shared")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "Redis back");
    }

    [Fact]
    public async Task Limit_conn_refuses_a_second_request_while_the_first_is_in_flight_at_the_upstream()
    {
        var slow = fixture.Dp1.Proxy.GetAsync("/conn?sleep_ms=2000");
        await fixture.Dp1.Process.WaitUntilAsync(() => Task.FromResult(fixture.Echo.InFlight == 1), TimeSpan.FromSeconds(5), "the slow request at the upstream");
        var refused = await fixture.Dp1.Proxy.GetAsync("/conn");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await slow).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await fixture.Dp1.Proxy.GetAsync("/conn")).StatusCode); // its slot was given back
    }

    [Fact]
    public async Task Api_breaker_opens_on_upstream_failures_and_answers_itself()
    {
        Assert.Equal(HttpStatusCode.InternalServerError, (await fixture.Dp1.Proxy.GetAsync("/breaker?status=500")).StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, (await fixture.Dp1.Proxy.GetAsync("/breaker?status=500")).StatusCode);
        var open = await fixture.Dp1.Proxy.GetAsync("/breaker?status=200");
        Assert.Equal((HttpStatusCode.BadGateway, """{"message":"breaker opened."}"""), (open.StatusCode, await open.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.OK, (await fixture.Dp2.Proxy.GetAsync("/breaker?status=200")).StatusCode); // each data plane judges for itself
    }
}

/// <summary>One silo, two data planes, one Redis and one upstream for the traffic-control tests.</summary>
public sealed class TrafficGatewayFixture : IAsyncLifetime
{
    private S3rverProcess _s3 = null!;
    public RedisProcess Redis { get; private set; } = null!;
    public EchoUpstream Echo { get; private set; } = null!;
    private SiloProcess _silo = null!;
    public DataPlaneProcess Dp1 { get; private set; } = null!;
    public DataPlaneProcess Dp2 { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public async Task InitializeAsync()
    {
        _s3 = await S3rverProcess.StartAsync("res-bucket", "cfg-bucket");
        Redis = await RedisProcess.StartAsync(password: "limits-secret");
        Echo = await EchoUpstream.StartAsync();
        var env = _s3.SiloEnvironment("res-bucket", "cfg-bucket", "@every 1s");
        _silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-traffic"), extraEnv: env);
        Admin = _silo.AdminClient();
        var redis = $"\"policy\":\"redis\",\"redis_host\":\"127.0.0.1\",\"redis_port\":{Redis.Port},\"redis_password\":\"limits-secret\",\"redis_timeout\":500";
        await Put("upstreams/1", $$$"""{"nodes":{"{{{Echo.Address}}}":1}}""");
        await Put("routes/shared", """{"uri":"/shared","upstream_id":"1","plugins":{"limit-count":{"count":4,"time_window":60,"rejected_code":429,""" + redis + "}}}");
        await Put("routes/lenient", """{"uri":"/lenient","upstream_id":"1","plugins":{"limit-count":{"count":100,"time_window":60,"policy":"redis","redis_host":"127.0.0.1","redis_port":1,"redis_timeout":300,"allow_degradation":true}}}""");
        await Put("routes/conn", """{"uri":"/conn","upstream_id":"1","plugins":{"limit-conn":{"conn":1,"burst":0,"default_conn_delay":0.1,"key":"remote_addr","rejected_code":429}}}""");
        await Put("routes/breaker", """{"uri":"/breaker","upstream_id":"1","plugins":{"api-breaker":{"break_response_code":502,"break_response_body":"{\"message\":\"breaker opened.\"}","unhealthy":{"http_statuses":[500],"failures":2}}}}""");

        env = DataPlaneEnvironment.Following(_silo, env);
        Dp1 = await DataPlaneProcess.StartAsync(RepoPaths.TempFolder("og-traffic-dp1"), env);
        Dp2 = await DataPlaneProcess.StartAsync(RepoPaths.TempFolder("og-traffic-dp2"), env);
        foreach (var dp in new[] { Dp1, Dp2 })
        {
            await dp.Process.WaitUntilAsync(async () => (await dp.Proxy.GetAsync("/lenient")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "the routes applied");
        }
    }

    private async Task Put(string path, string json)
    {
        var response = await Admin.PutAsync($"/apisix/admin/{path}", Json(json));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task DisposeAsync()
    {
        Admin.Dispose();
        await Dp1.DisposeAsync();
        await Dp2.DisposeAsync();
        await _silo.DisposeAsync();
        await Echo.DisposeAsync();
        await Redis.DisposeAsync();
        await _s3.DisposeAsync();
    }
}
