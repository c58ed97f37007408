using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OrleansGateway.DataPlane.Plugins.Requests;
using static OrleansGateway.DataPlane.Tests.Plugins.PluginHarness;

namespace OrleansGateway.DataPlane.Tests.Plugins.Requests;

/// <summary>The request plugins as APISIX's t/plugin tests have them: redirect, fault-injection, mocking, request-id, restrictions, real-ip.</summary>
public class RequestPluginTests
{
    [Theory]
    [InlineData("""{"uri":"/test/add","ret_code":301}""", "/r", 301, "/test/add")]
    [InlineData("""{"uri":"$uri/test/add","ret_code":301}""", "/r", 301, "/r/test/add")]
    [InlineData("""{"uri":"$uri/test/a${arg_name}c"}""", "/r?name=json", 302, "/r/test/ajsonc")]
    [InlineData("""{"uri":"/foo$$uri"}""", "/r?name=json", 302, "/foo$/r")]
    [InlineData("""{"uri":"\\$uri/foo$uri\\$uri/bar","ret_code":301}""", "/r", 301, "\\$uri/foo/r\\$uri/bar")]
    [InlineData("""{"uri":"$uri/$bad_var/bar"}""", "/r", 302, "/r//bar")]
    [InlineData("""{"uri":"$uri","append_query_string":true}""", "/r?name=json", 302, "/r?name=json")]
    [InlineData("""{"uri":"$uri?type=string","append_query_string":true}""", "/r?name=json", 302, "/r?type=string&name=json")]
    [InlineData("""{"uri":"https://$host$request_uri","ret_code":301}""", "/r?a=1", 301, "https://gateway.test/r?a=1")]
    [InlineData("""{"regex_uri":["^/r/(.*)","http://test.com/${1}?q=apisix"],"append_query_string":true}""", "/r/hello?o=apache", 302, "http://test.com/hello?q=apisix&o=apache")]
    [InlineData("""{"regex_uri":["^/r/(.*)","http://test.com/$1"],"ret_code":301,"encode_uri":true}""", "/r/with%20space", 301, "http://test.com/with%20space")]
    [InlineData("""{"http_to_https":true,"ret_code":302}""", "/r?a=1", 301, "https://gateway.test/r?a=1")]
    public async Task Redirect_answers_with_the_location_apisix_gives(string config, string target, int status, string location)
    {
        var gateway = new PluginHarness(R(Contracts.Resources.ResourceKind.Route, "r", """{"id":"r","uris":["/r","/r/*"],"upstream_id":"u","plugins":{"redirect":""" + config + "}}"));
        var outcome = await gateway.RunAsync(target);
        Assert.Equal((status, location), (outcome.Answered, outcome.ResponseHeaders.Location.ToString()));
    }

    [Fact]
    public async Task Redirect_to_https_answers_308_to_other_methods_leaves_https_alone_and_regex_uri_passes_what_it_does_not_match()
    {
        var gateway = new PluginHarness(
            Route("https", """{"redirect":{"http_to_https":true}}"""),
            Route("regex", """{"redirect":{"regex_uri":["^/nomatch/(.*)","/x/$1"]}}"""));
        Assert.Equal(308, (await gateway.RunAsync("/https", method: "POST")).Answered);
        Assert.Null((await gateway.RunAsync("/https", r => r.Headers["X-Forwarded-Proto"] = "https")).Answered);
        Assert.Equal(301, (await gateway.RunAsync("/https", r => r.Headers["X-Forwarded-Proto"] = "any")).Answered);
        Assert.Null((await gateway.RunAsync("/regex")).Answered);
    }

    [Fact]
    public async Task Fault_injection_aborts_with_resolved_body_and_headers_when_any_vars_expression_holds()
    {
        var gateway = new PluginHarness(
            Route("abort", """
                {"fault-injection":{"abort":{"http_status":403,"body":"Fault Injection! $arg_name\n","headers":{"h1":"v1","h2":2,"h3":"$uri"},
                 "vars":[[["arg_name","==","jack"],["arg_age","!","<",18]],[["http_apikey","==","api-key"]]]}}}
                """),
            Route("never", """{"fault-injection":{"abort":{"http_status":500,"percentage":0}}}"""),
            Route("delay", """{"fault-injection":{"delay":{"duration":0.01,"percentage":100},"abort":{"http_status":200}}}"""));

        var aborted = await gateway.RunAsync("/abort?name=jack&age=18");
        Assert.Equal((403, "Fault Injection! jack\n"), (aborted.Answered, aborted.Body));
        Assert.Equal(("v1", "2", "/abort"), (aborted.ResponseHeaders["h1"].ToString(), aborted.ResponseHeaders["h2"].ToString(), aborted.ResponseHeaders["h3"].ToString()));
        Assert.Equal(403, (await gateway.RunAsync("/abort", r => r.Headers["apikey"] = "api-key")).Answered); // the second expression
        Assert.Null((await gateway.RunAsync("/abort?name=jack&age=17")).Answered);
        Assert.Null((await gateway.RunAsync("/abort?name=allen")).Answered);
        Assert.Null((await gateway.RunAsync("/never")).Answered);
        var delayed = await gateway.RunAsync("/delay");
        Assert.Equal((200, ""), (delayed.Answered, delayed.Body)); // delayed, then aborted
    }

    [Fact]
    public async Task Mocking_answers_the_example_or_a_body_from_the_schema_with_its_headers()
    {
        var gateway = new PluginHarness(
            Route("example", """{"mocking":{"content_type":"text/plain","response_status":201,"response_example":"remote_addr:$remote_addr empty_var:$foo","response_headers":{"X-Route-Id":"$route_id","X-Num":7}}}"""),
            Route("schema", """
                {"mocking":{"response_schema":{"type":"object","properties":{"s":{"type":"string","example":"hello"},"i":{"type":"integer","example":4},
                 "n":{"type":"number","example":5.5},"b":{"type":"boolean","example":true},"o":{"type":"object"},"a":{"type":"array","items":{"type":"string","example":"x"}}}}}}
                """),
            Route("xml", """{"mocking":{"content_type":"application/xml","with_mock_header":false,"response_schema":{"type":"object","properties":{"name":{"type":"string","example":"jack"}}}}}"""));

        var example = await gateway.RunAsync("/example");
        Assert.Equal((201, "remote_addr:10.0.0.1 empty_var:"), (example.Answered, example.Body));
        Assert.Equal(("text/plain", "example", "7"), (example.ResponseHeaders.ContentType.ToString(), example.ResponseHeaders["X-Route-Id"].ToString(), example.ResponseHeaders["X-Num"].ToString()));
        Assert.StartsWith("OrleansGateway/", example.ResponseHeaders["x-mock-by"].ToString());

        var generated = JsonNode.Parse((await gateway.RunAsync("/schema")).Body)!;
        Assert.Equal(("hello", 4L, 5.5, true, "{}"), (generated["s"]!.GetValue<string>(), generated["i"]!.GetValue<long>(), generated["n"]!.GetValue<double>(),
            generated["b"]!.GetValue<bool>(), generated["o"]!.ToJsonString()));
        Assert.InRange(generated["a"]!.AsArray().Count, 1, 3);
        var xml = await gateway.RunAsync("/xml");
        Assert.Equal(("<data><name>jack</name></data>", false), (xml.Body, xml.ResponseHeaders.ContainsKey("x-mock-by")));
    }

    [Fact]
    public async Task Request_id_is_made_when_missing_sent_upstream_and_returned_to_the_client()
    {
        var gateway = new PluginHarness(
            Route("uuid", """{"request-id":{}}"""),
            Route("nano", """{"request-id":{"algorithm":"nanoid","header_name":"X-Trace"}}"""),
            Route("range", """{"request-id":{"algorithm":"range_id","range_id":{"char_set":"abcdefg","length":20},"include_in_response":false}}"""),
            Route("ksuid", """{"request-id":{"algorithm":"ksuid"}}"""),
            Route("v7", """{"request-id":{"algorithm":"uuidv7"}}"""),
            Route("guarded", """{"request-id":{},"key-auth":{}}"""));

        var made = await gateway.RunAsync("/uuid");
        var id = made.Request.Headers["X-Request-Id"].ToString();
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", id);
        Assert.Equal(id, made.ResponseHeaders["X-Request-Id"].ToString());
        Assert.Equal("123", (await gateway.RunAsync("/uuid", r => r.Headers["X-Request-ID"] = "123")).ResponseHeaders["X-Request-Id"].ToString());
        Assert.NotEmpty((await gateway.RunAsync("/uuid", r => r.Headers["X-Request-Id"] = "")).ResponseHeaders["X-Request-Id"].ToString());
        Assert.Matches("^[A-Za-z0-9_-]{21}$", (await gateway.RunAsync("/nano")).ResponseHeaders["X-Trace"].ToString());
        var range = await gateway.RunAsync("/range");
        Assert.Matches("^[a-g]{20}$", range.Request.Headers["X-Request-Id"].ToString());
        Assert.False(range.ResponseHeaders.ContainsKey("X-Request-Id"));
        Assert.Matches("^[0-9A-Za-z]{27}$", (await gateway.RunAsync("/ksuid")).ResponseHeaders["X-Request-Id"].ToString());
        var v7 = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            v7.Add((await gateway.RunAsync("/v7")).ResponseHeaders["X-Request-Id"].ToString());
        }
        Assert.All(v7, v => Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", v));
        Assert.Equal(v7.Order(StringComparer.Ordinal), v7); // increasing, even within a millisecond
        Assert.Equal(50, v7.Distinct().Count());
        var refused = await gateway.RunAsync("/guarded");
        Assert.Equal(401, refused.Answered);
        Assert.NotEmpty(refused.ResponseHeaders["X-Request-Id"].ToString()); // a plugin's answer carries it too
    }

    [Fact]
    public async Task Uri_blocker_searches_the_path_and_raw_query()
    {
        var gateway = new PluginHarness(
            Route("b", """{"uri-blocker":{"block_rules":["aa","bb","c\\d+"]}}"""),
            Route("sql", """{"uri-blocker":{"block_rules":["select.+(from|limit)","(?:(union(.*?)select))"],"rejected_msg":"access is not allowed"}}"""),
            Route("ci", """{"uri-blocker":{"block_rules":["AA"],"case_insensitive":true,"rejected_code":410}}"""));
        Assert.Equal([403, 403, 403, null], new[] { (await gateway.RunAsync("/b?x=bb")).Answered, (await gateway.RunAsync("/b?bb=2")).Answered,
            (await gateway.RunAsync("/b?c1=2")).Answered, (await gateway.RunAsync("/b?cc=2")).Answered });
        var sql = await gateway.RunAsync("/sql?name=;select%20from%20sys");
        Assert.Equal((403, """{"error_msg":"access is not allowed"}"""), (sql.Answered, sql.Body));
        Assert.Equal(403, (await gateway.RunAsync("/sql?name=;union%20select%20")).Answered);
        Assert.Equal(410, (await gateway.RunAsync("/ci?aa=1")).Answered);
    }

    [Fact]
    public async Task Ua_restriction_allows_or_denies_by_pattern_and_a_missing_agent_by_bypass_missing()
    {
        var gateway = new PluginHarness(
            Route("deny", """{"ua-restriction":{"denylist":["my-bot1","(Baiduspider)/(\\d+)\\.(\\d+)"],"message":"Do you want to do something bad?"}}"""),
            Route("allow", """{"ua-restriction":{"allowlist":["my-bot1","(Baiduspider)/(\\d+)\\.(\\d+)"]}}"""),
            Route("bypass", """{"ua-restriction":{"denylist":["x"],"bypass_missing":true}}"""));
        Action<Microsoft.AspNetCore.Http.HttpRequest> Ua(params string[] agents) => r => r.Headers.UserAgent = agents;

        var denied = await gateway.RunAsync("/deny", Ua("Baiduspider/3.0"));
        Assert.Equal((403, """{"message":"Do you want to do something bad?"}"""), (denied.Answered, denied.Body));
        Assert.Equal(403, (await gateway.RunAsync("/deny", Ua("my-bot2", "my-bot1"))).Answered);
        Assert.Null((await gateway.RunAsync("/deny", Ua("foo/bar"))).Answered);
        Assert.Null((await gateway.RunAsync("/allow", Ua("my-bot1"))).Answered);
        Assert.Null((await gateway.RunAsync("/allow", Ua("foo/bar", "my-bot1"))).Answered);
        Assert.Equal("""{"message":"Not allowed"}""", (await gateway.RunAsync("/allow", Ua("foo/bar"))).Body);
        Assert.Equal(403, (await gateway.RunAsync("/allow")).Answered);
        Assert.Null((await gateway.RunAsync("/bypass")).Answered);
    }

    [Fact]
    public async Task Referer_restriction_matches_hosts_and_wildcard_subdomains()
    {
        var gateway = new PluginHarness(
            Route("white", """{"referer-restriction":{"whitelist":["*.xx.com","yy.com"]}}"""),
            Route("bypass", """{"referer-restriction":{"whitelist":["*.xx.com"],"bypass_missing":true}}"""),
            Route("black", """{"referer-restriction":{"blacklist":["*.xx.com"],"message":"Your referer host is deny"}}"""));
        Action<Microsoft.AspNetCore.Http.HttpRequest> From(string referer) => r => r.Headers.Referer = referer;

        Assert.Null((await gateway.RunAsync("/white", From("http://www.xx.com"))).Answered);
        Assert.Null((await gateway.RunAsync("/white", From("https://yy.com/am"))).Answered);
        Assert.Equal("""{"message":"Your referer host is not allowed"}""", (await gateway.RunAsync("/white", From("https://www.yy.com/am"))).Body);
        Assert.Equal(403, (await gateway.RunAsync("/white", From("http://xx.com"))).Answered); // *.xx.com is the subdomains
        Assert.Equal(403, (await gateway.RunAsync("/white")).Answered);
        Assert.Null((await gateway.RunAsync("/bypass")).Answered);
        Assert.Null((await gateway.RunAsync("/bypass", From("www.yy.com"))).Answered); // unparsable counts as missing
        Assert.Equal((403, """{"message":"Your referer host is deny"}"""), ((await gateway.RunAsync("/black", From("http://www.xx.com"))) is var b ? (b.Answered, b.Body) : default));
        Assert.Null((await gateway.RunAsync("/black", From("https://yy.com"))).Answered);
    }

    [Fact]
    public async Task Real_ip_sets_the_client_address_that_later_plugins_see()
    {
        var gateway = new PluginHarness(
            Route("xff", """{"real-ip":{"source":"http_xff"},"ip-restriction":{"whitelist":["1.1.1.1","::2"]}}"""),
            Route("chain", """{"real-ip":{"source":"http_x_forwarded_for","trusted_addresses":["10.0.0.0/8","192.128.0.0/16"],"recursive":true},"ip-restriction":{"whitelist":["1.1.1.1"]}}"""),
            Route("untrusted", """{"real-ip":{"source":"http_xff","trusted_addresses":["192.128.0.0/16"]},"ip-restriction":{"whitelist":["1.1.1.1"]}}"""));
        Action<Microsoft.AspNetCore.Http.HttpRequest> Header(string name, string value) => r => r.Headers[name] = value;

        foreach (var (value, expected) in new (string, int?)[] { ("1.1.1.1", null), ("1.1.1.1:80", null), ("[::2]:80", null), ("::2", null), ("1.1.1.1.1", 403), ("1.1.1.1:65536", 403) })
        {
            Assert.Equal(expected, (await gateway.RunAsync("/xff", Header("xff", value))).Answered);
        }
        var port = await gateway.RunAsync("/xff", Header("xff", "1.1.1.1:7090"));
        Assert.Equal(7090, port.Context.Http.Connection.RemotePort);
        Assert.Null((await gateway.RunAsync("/chain", Header("X-Forwarded-For", "1.1.1.1, 192.128.1.1, 10.0.0.2"))).Answered);
        Assert.Equal(403, (await gateway.RunAsync("/untrusted", Header("xff", "1.1.1.1"))).Answered); // the peer 10.0.0.1 is not trusted
    }

    [Fact]
    public async Task Client_control_refuses_a_declared_body_over_max_body_size()
    {
        var gateway = new PluginHarness(Route("cc", """{"client-control":{"max_body_size":5}}"""), Route("free", """{"client-control":{"max_body_size":0}}"""));
        Assert.Equal(413, (await gateway.RunAsync("/cc", method: "POST", body: "123456"u8.ToArray())).Answered);
        Assert.Null((await gateway.RunAsync("/cc", method: "POST", body: "12345"u8.ToArray())).Answered);
        Assert.Null((await gateway.RunAsync("/free", method: "POST", body: new byte[1000])).Answered);
    }

    [Fact]
    public void Redirect_encodes_as_nginx_does()
    {
        Assert.Equal("/a%20b/%23%25/%C3%A9?q=a b", RedirectPlugin.EncodePath("/a b/#%/é?q=a b")); // after the first ? nothing is touched
    }
}
