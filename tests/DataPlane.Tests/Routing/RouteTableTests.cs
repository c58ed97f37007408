using System.Text.Json.Nodes;
using OrleansGateway.DataPlane.Routing;

namespace OrleansGateway.DataPlane.Tests.Routing;

public class RouteTableTests
{
    private static CompiledRoute Route(string json, string? service = null) =>
        CompiledRoute.Compile(JsonNode.Parse(json)!.AsObject(), service is null ? null : JsonNode.Parse(service)!.AsObject())!;

    private static RouteTable Table(params string[] routes) => RouteTable.Build(routes.Select(r => Route(r)), 1);

    private static string? Match(RouteTable table, FakeRequest request) => table.Match(request)?.Id;

    [Fact]
    public void Exact_uri_matches_only_itself()
    {
        var table = Table("""{"id":"1","uri":"/ip"}""");
        Assert.Equal("1", Match(table, new("/ip")));
        Assert.Null(Match(table, new("/ip/")));
        Assert.Null(Match(table, new("/i")));
    }

    [Fact]
    public void Prefix_uri_matches_the_prefix_and_below()
    {
        var table = Table("""{"id":"p","uri":"/foo/*"}""");
        Assert.Equal("p", Match(table, new("/foo/")));
        Assert.Equal("p", Match(table, new("/foo/bar/baz")));
        Assert.Null(Match(table, new("/foo")));
        Assert.Null(Match(table, new("/foobar")));
    }

    [Fact]
    public void Exact_beats_prefix_and_longer_prefix_beats_shorter()
    {
        var table = Table(
            """{"id":"root","uri":"/*"}""",
            """{"id":"api","uri":"/api/*"}""",
            """{"id":"v1","uri":"/api/v1/*"}""",
            """{"id":"exact","uri":"/api/v1/health"}""");
        Assert.Equal("exact", Match(table, new("/api/v1/health")));
        Assert.Equal("v1", Match(table, new("/api/v1/users")));
        Assert.Equal("api", Match(table, new("/api/v2/users")));
        Assert.Equal("root", Match(table, new("/other")));
    }

    [Fact]
    public void Higher_priority_wins_among_routes_of_the_same_uri()
    {
        var table = Table(
            """{"id":"low","uri":"/a","priority":0}""",
            """{"id":"high","uri":"/a","priority":10}""");
        Assert.Equal("high", Match(table, new("/a")));
    }

    [Fact]
    public void A_failing_condition_falls_through_to_the_next_candidate_then_to_shorter_prefixes()
    {
        var table = Table(
            """{"id":"post-only","uri":"/a/*","priority":5,"methods":["POST"]}""",
            """{"id":"any","uri":"/a/*"}""",
            """{"id":"root","uri":"/*"}""",
            """{"id":"host-only","uri":"/b/*","hosts":["b.example.com"]}""");
        Assert.Equal("post-only", Match(table, new("/a/x", "POST")));
        Assert.Equal("any", Match(table, new("/a/x", "GET")));
        Assert.Equal("root", Match(table, new("/b/x", Host: "other.example.com")));
        Assert.Equal("host-only", Match(table, new("/b/x", Host: "b.example.com")));
    }

    [Fact]
    public void Uris_register_every_path()
    {
        var table = Table("""{"id":"m","uris":["/one","/two/*"]}""");
        Assert.Equal("m", Match(table, new("/one")));
        Assert.Equal("m", Match(table, new("/two/three")));
    }

    [Fact]
    public void Wildcard_hosts_match_subdomains_only_and_case_insensitively()
    {
        var table = Table("""{"id":"w","uri":"/","hosts":["*.example.com","API.test"]}""");
        Assert.Equal("w", Match(table, new("/", Host: "a.example.com")));
        Assert.Equal("w", Match(table, new("/", Host: "a.b.example.com")));
        Assert.Null(Match(table, new("/", Host: "example.com")));
        Assert.Equal("w", Match(table, new("/", Host: "api.test")));
    }

    [Fact]
    public void Service_hosts_apply_when_the_route_has_none()
    {
        var route = Route("""{"id":"r","uri":"/s"}""", """{"id":"s","hosts":["svc.example.com"]}""");
        var table = RouteTable.Build([route], 1);
        Assert.Equal("r", Match(table, new("/s", Host: "svc.example.com")));
        Assert.Null(Match(table, new("/s", Host: "other.example.com")));
    }

    [Fact]
    public void Remote_addrs_accept_ips_and_cidrs_v4_and_v6()
    {
        var table = Table("""{"id":"r","uri":"/x","remote_addrs":["10.0.0.0/8","192.168.1.7","::1"]}""");
        Assert.Equal("r", Match(table, new("/x", Remote: "10.1.2.3")));
        Assert.Equal("r", Match(table, new("/x", Remote: "192.168.1.7")));
        Assert.Equal("r", Match(table, new("/x", Remote: "::1")));
        Assert.Equal("r", Match(table, new("/x", Remote: "::ffff:10.9.9.9")));
        Assert.Null(Match(table, new("/x", Remote: "192.168.1.8")));
    }

    [Fact]
    public void Disabled_routes_match_nothing()
    {
        Assert.Null(CompiledRoute.Compile(JsonNode.Parse("""{"id":"off","uri":"/x","status":0}""")!.AsObject(), null));
    }

    [Fact]
    public void Vars_check_headers_args_and_cookies()
    {
        var table = Table(
            """{"id":"beta","uri":"/v","priority":1,"vars":[["http_x_user_group","==","beta"],["arg_lang","in",["en","fr"]]]}""",
            """{"id":"regex","uri":"/v","vars":[["cookie_session","~~","^s-[0-9]+$"]]}""",
            """{"id":"not","uri":"/w","vars":[["arg_debug","!","==","1"]]}""",
            """{"id":"gt","uri":"/n","vars":[["arg_n",">",10]]}""");
        Assert.Equal("beta", Match(table, new("/v") { Headers = { ["X-User-Group"] = "beta" }, Args = { ["lang"] = "fr" } }));
        Assert.Equal("regex", Match(table, new("/v") { Headers = { ["X-User-Group"] = "beta" }, Args = { ["lang"] = "de" }, Cookies = { ["session"] = "s-42" } }));
        Assert.Null(Match(table, new("/v") { Cookies = { ["session"] = "x-42" } }));
        Assert.Equal("not", Match(table, new("/w")));
        Assert.Null(Match(table, new("/w") { Args = { ["debug"] = "1" } }));
        Assert.Equal("gt", Match(table, new("/n") { Args = { ["n"] = "11" } }));
        Assert.Null(Match(table, new("/n") { Args = { ["n"] = "9" } }));
        Assert.Null(Match(table, new("/n") { Args = { ["n"] = "ten" } }));
    }

    [Theory]
    [InlineData("""["uri","~*","^/API"]""", "/api/x", true)]
    [InlineData("""["uri","~~","^/API"]""", "/api/x", false)]
    [InlineData("""["http_x_missing","~=","a"]""", "/", true)]
    [InlineData("""["http_x_missing","==","a"]""", "/", false)]
    [InlineData("""["remote_addr","ipmatch",["127.0.0.0/8"]]""", "/", true)]
    [InlineData("""["request_method","==","GET"]""", "/", true)]
    [InlineData("""["arg_a","a"]""", "/", false)]
    public void Single_operators_behave_like_lua_resty_expr(string condition, string path, bool expected)
    {
        var vars = VarsExpression.Compile(JsonNode.Parse($"[{condition}]")!.AsArray());
        Assert.Equal(expected, vars.Matches(new FakeRequest(path)));
    }

    [Theory]
    [InlineData("""["OR",["arg_a","==","1"],["arg_b","==","2"]]""", "a=1", true)]
    [InlineData("""["OR",["arg_a","==","1"],["arg_b","==","2"]]""", "b=2", true)]
    [InlineData("""["OR",["arg_a","==","1"],["arg_b","==","2"]]""", "a=2", false)]
    [InlineData("""["!OR",["arg_a","==","1"],["arg_b","==","2"]]""", "a=2", true)]
    [InlineData("""["!AND",["arg_a","==","1"],["arg_b","==","2"]]""", "a=1&b=2", false)]
    [InlineData("""["!AND",["arg_a","==","1"],["arg_b","==","2"]]""", "a=1", true)]
    [InlineData("""[["arg_a","==","1"],["OR",["arg_b","==","2"],["AND",["arg_c","==","3"],["arg_d","IN",["4","5"]]]]]""", "a=1&c=3&d=5", true)]
    [InlineData("""[["arg_a","==","1"],["OR",["arg_b","==","2"],["AND",["arg_c","==","3"],["arg_d","IN",["4","5"]]]]]""", "a=1&c=3&d=6", false)]
    [InlineData("""[["arg_a","==","1"],["OR",["arg_b","==","2"],["AND",["arg_c","==","3"],["arg_d","IN",["4","5"]]]]]""", "b=2&c=3", false)]
    public void Nested_expressions_combine_with_and_or_and_their_negations(string vars, string query, bool expected)
    {
        var request = new FakeRequest("/") { Args = query.Split('&').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]) };
        var compiled = VarsExpression.Compile(JsonNode.Parse(vars)!.AsArray());
        Assert.Equal(expected, compiled.Matches(request));
        Assert.False(compiled.ReadsBody);
    }

    [Fact]
    public void Post_arg_variables_read_form_fields_and_json_paths_and_mark_the_route()
    {
        var vars = VarsExpression.Compile(JsonNode.Parse("""[["post_arg_name","==","jack"],["post_arg.user.tier","==","gold"],["post_arg.tags","has","beta"]]""")!.AsArray());
        Assert.True(vars.ReadsBody);
        Assert.True(vars.Matches(new FakeRequest("/") { PostArgs = { ["name"] = "jack" }, Body = { ["user.tier"] = "gold", ["tags"] = "alpha,beta" } }));
        Assert.False(vars.Matches(new FakeRequest("/") { PostArgs = { ["name"] = "jack" }, Body = { ["user.tier"] = "silver", ["tags"] = "beta" } }));
        Assert.False(vars.Matches(new FakeRequest("/"))); // no body read: unset
    }

    [Fact]
    public void Many_routes_build_and_match_by_exact_and_prefix()
    {
        var routes = Enumerable.Range(0, 20_000).Select(i => Route($$"""{"id":"r{{i}}","uri":"/svc/{{i}}/*"}"""))
            .Append(Route("""{"id":"exact","uri":"/svc/7/health"}"""));
        var table = RouteTable.Build(routes, 9);
        Assert.Equal(20_001, table.Count);
        Assert.Equal(9, table.Version);
        Assert.Equal("r19999", Match(table, new("/svc/19999/x")));
        Assert.Equal("exact", Match(table, new("/svc/7/health")));
        Assert.Equal("r7", Match(table, new("/svc/7/other")));
        Assert.Null(Match(table, new("/svc/20000/x")));
    }
}
