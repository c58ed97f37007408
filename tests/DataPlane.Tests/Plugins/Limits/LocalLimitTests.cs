using OrleansGateway.Contracts.Resources;
using static OrleansGateway.DataPlane.Tests.Plugins.PluginHarness;

namespace OrleansGateway.DataPlane.Tests.Plugins.Limits;

/// <summary>limit-req, limit-conn, limit-count and api-breaker counted in the data plane, as APISIX's t/plugin tests.</summary>
public class LocalLimitTests
{
    private static async Task<int?[]> Statuses(PluginHarness gateway, string path, int count, Action<Microsoft.AspNetCore.Http.HttpRequest>? prepare = null)
    {
        var statuses = new int?[count];
        for (var i = 0; i < count; i++)
        {
            statuses[i] = (await gateway.RunAsync(path, prepare)).Answered;
        }
        return statuses;
    }

    [Fact]
    public async Task Limit_req_refuses_what_overflows_the_bucket_and_refused_requests_do_not_fill_it()
    {
        var gateway = new PluginHarness(
            Route("slow", """{"limit-req":{"rate":0.1,"burst":0.1,"key":"remote_addr","rejected_msg":"slow down"}}"""),
            Route("burst", """{"limit-req":{"rate":1,"burst":2,"key":"remote_addr","nodelay":true,"rejected_code":429}}"""));

        Assert.Equal([null, 503, 503, 503], await Statuses(gateway, "/slow", 4));
        Assert.Equal("""{"error_msg":"slow down"}""", (await gateway.RunAsync("/slow")).Body);
        gateway.Time.Advance(TimeSpan.FromSeconds(10)); // one request drained
        Assert.Null((await gateway.RunAsync("/slow")).Answered);

        // rate 1 with a burst of 2: three at once pass (nodelay), the fourth is refused; a second later one more fits.
        Assert.Equal([null, null, null, 429], await Statuses(gateway, "/burst", 4));
        gateway.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([null, 429], await Statuses(gateway, "/burst", 2));
    }

    [Fact]
    public async Task Limit_req_without_nodelay_delays_a_request_within_the_burst_instead_of_refusing_it()
    {
        var gateway = new PluginHarness(Route("delayed", """{"limit-req":{"rate":20,"burst":1,"key":"remote_addr"}}"""));
        Assert.Equal([null, null, 503], await Statuses(gateway, "/delayed", 3)); // the second waited 1/20 s, the third overflowed
    }

    [Fact]
    public async Task Limit_req_keys_by_a_variable_combination_and_falls_back_to_the_client_address()
    {
        var gateway = new PluginHarness(Route("combo", """{"limit-req":{"rate":0.1,"burst":0.1,"key":"$http_a $http_b","key_type":"var_combination","nodelay":true}}"""));
        Assert.Equal([null, 503], await Statuses(gateway, "/combo", 2, r => r.Headers["a"] = "1"));
        Assert.Equal([null], await Statuses(gateway, "/combo", 1, r => r.Headers["a"] = "2"));
        Assert.Equal([null, 503], await Statuses(gateway, "/combo", 2)); // no header: the client address
    }

    [Fact]
    public async Task Counters_belong_to_the_owner_of_the_plugin_as_apisix_scopes_them()
    {
        const string limit = """{"limit-count":{"count":2,"time_window":60,"rejected_code":429}}""";
        var gateway = new PluginHarness(
            R(ResourceKind.Service, "s", $$"""{"id":"s","upstream_id":"u","plugins":{{limit}}}"""),
            R(ResourceKind.Route, "s1", """{"id":"s1","uri":"/s1","service_id":"s"}"""),
            R(ResourceKind.Route, "s2", """{"id":"s2","uri":"/s2","service_id":"s"}"""),
            Route("r1", limit),
            Route("r2", limit),
            Consumer("jack", """{"key-auth":{"key":"jack-key"},"limit-count":{"count":2,"time_window":60,"rejected_code":429}}"""),
            Route("a1", """{"key-auth":{}}"""),
            Route("a2", """{"key-auth":{}}"""));

        // A service's limit is shared by its routes; two routes with the same configuration count apart.
        Assert.Equal([null, null], await Statuses(gateway, "/s1", 2));
        Assert.Equal([429], await Statuses(gateway, "/s2", 1));
        Assert.Equal([null, null, 429], await Statuses(gateway, "/r1", 3));
        Assert.Equal([null, null, 429], await Statuses(gateway, "/r2", 3));
        // A consumer's limit holds across every route it calls.
        Action<Microsoft.AspNetCore.Http.HttpRequest> jack = r => r.Headers["apikey"] = "jack-key";
        Assert.Equal([null, null], await Statuses(gateway, "/a1", 2, jack));
        Assert.Equal([429], await Statuses(gateway, "/a2", 1, jack));
    }

    [Fact]
    public async Task Limit_conn_holds_a_slot_until_the_request_completes_and_refuses_past_conn_plus_burst()
    {
        var gateway = new PluginHarness(Route("conn", """{"limit-conn":{"conn":1,"burst":1,"default_conn_delay":0.01,"key":"remote_addr","rejected_msg":"busy"}}"""));

        var first = await gateway.RunAsync("/conn", complete: false);
        var second = await gateway.RunAsync("/conn", complete: false); // within the burst: delayed, then through
        Assert.Equal((null, null), (first.Answered, second.Answered));
        var third = await gateway.RunAsync("/conn", complete: false);
        Assert.Equal((503, """{"error_msg":"busy"}"""), (third.Answered, third.Body));
        third.Complete(); // a refused request held nothing
        Assert.Equal(503, (await gateway.RunAsync("/conn")).Answered);

        first.Complete();
        var fourth = await gateway.RunAsync("/conn", complete: false);
        Assert.Null(fourth.Answered);
        second.Complete();
        fourth.Complete();
        Assert.Equal([null, null], await Statuses(gateway, "/conn", 2)); // each completes before the next
    }

    [Fact]
    public async Task Limit_conn_resolves_conn_from_variables_and_rules_skip_what_does_not_apply()
    {
        var gateway = new PluginHarness(
            Route("vars", """{"limit-conn":{"conn":"${http_conn ?? 1}","burst":0,"default_conn_delay":0.1,"key":"remote_addr"}}"""),
            Route("rules", """{"limit-conn":{"default_conn_delay":0.1,"rules":[{"conn":1,"burst":0,"key":"${http_user}"},{"conn":"${http_project_conn}","burst":0,"key":"${http_project}"}]}}"""));

        var held = await gateway.RunAsync("/vars", complete: false);
        Assert.Equal(503, (await gateway.RunAsync("/vars")).Answered);
        Assert.Null((await gateway.RunAsync("/vars", r => r.Headers["conn"] = "2")).Answered);
        Assert.Equal(500, (await gateway.RunAsync("/vars", r => r.Headers["conn"] = "1.5")).Answered); // must be an integer
        Assert.Equal(500, (await gateway.RunAsync("/vars", r => r.Headers["conn"] = "0")).Answered);
        held.Complete();

        Assert.Equal(500, (await gateway.RunAsync("/rules")).Answered); // no rule applies
        var jack = await gateway.RunAsync("/rules", r => r.Headers["user"] = "jack", complete: false);
        Assert.Equal(503, (await gateway.RunAsync("/rules", r => r.Headers["user"] = "jack")).Answered);
        Assert.Null((await gateway.RunAsync("/rules", r => r.Headers["user"] = "jill")).Answered);
        // The project rule has no valid conn without its header: skipped, the user rule still counts.
        Assert.Null((await gateway.RunAsync("/rules", r => { r.Headers["user"] = "joe"; r.Headers["project"] = "p"; })).Answered);
        jack.Complete();
    }

    [Fact]
    public async Task Api_breaker_opens_after_the_unhealthy_failures_and_closes_after_the_healthy_successes()
    {
        var gateway = new PluginHarness(Route("api1", """
            {"api-breaker":{"break_response_code":599,"break_response_body":"breaker opened","break_response_headers":[{"key":"X-Breaker","value":"$remote_addr"}],
             "max_breaker_sec":10,"unhealthy":{"http_statuses":[500,503],"failures":3},"healthy":{"http_statuses":[200,206],"successes":3}}}
            """));
        async Task<int> Send(int upstream)
        {
            var outcome = await gateway.RunAsync("/api1", upstreamStatus: upstream);
            return outcome.Answered ?? upstream;
        }

        // APISIX's t/plugin/api-breaker.t: 200, 500, 503, 500 pass; the third failure opened the circuit.
        Assert.Equal(new[] { 200, 500, 503, 500, 599, 599 }, new[] { await Send(200), await Send(500), await Send(503), await Send(500), await Send(500), await Send(500) });
        var open = await gateway.RunAsync("/api1");
        Assert.Equal(("breaker opened", "10.0.0.1"), (open.Body, open.ResponseHeaders["X-Breaker"].ToString()));

        gateway.Time.Advance(TimeSpan.FromSeconds(3)); // 2 s of break are over: half open
        Assert.Equal(new[] { 200, 200, 200 }, new[] { await Send(200), await Send(200), await Send(200) }); // closed, failures forgotten
        Assert.Equal(new[] { 500, 500, 500, 599 }, new[] { await Send(500), await Send(500), await Send(500), await Send(500) });
    }

    [Fact]
    public async Task Api_breaker_doubles_its_break_up_to_max_breaker_sec()
    {
        var gateway = new PluginHarness(Route("api2", """{"api-breaker":{"break_response_code":502,"max_breaker_sec":5,"unhealthy":{"failures":1}}}"""));
        async Task<int> Send(int upstream) => (await gateway.RunAsync("/api2", upstreamStatus: upstream)).Answered ?? upstream;

        Assert.Equal(500, await Send(500)); // round 1: open for 2 s
        gateway.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(502, await Send(500));
        gateway.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(500, await Send(500)); // round 2: 4 s
        gateway.Time.Advance(TimeSpan.FromSeconds(3.5));
        Assert.Equal(502, await Send(500));
        gateway.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(500, await Send(500)); // round 3: 8 s, capped at 5
        gateway.Time.Advance(TimeSpan.FromSeconds(4.5));
        Assert.Equal(502, await Send(500));
        gateway.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(200, await Send(200));
        var noBody = await gateway.RunAsync("/api2", upstreamStatus: 500);
        Assert.Equal("", noBody.Body);
    }
}
