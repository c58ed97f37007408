using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.Contracts.Tests.Validation;

public class ResourceValidatorTests
{
    private static string? Validate(ResourceKind kind, string json, string? id = "1") =>
        ResourceValidator.Validate(kind, id, JsonNode.Parse(json)!.AsObject());

    [Fact]
    public void Route_uri_of_wrong_type_names_field_expected_and_got()
    {
        Assert.Equal(
            "invalid configuration: property \"uri\" validation failed: wrong type: expected string, got number",
            Validate(ResourceKind.Route, """{"uri":123,"upstream_id":"1"}"""));
    }

    [Fact]
    public void Route_without_uri_or_uris_is_refused()
    {
        Assert.Equal("invalid configuration: one of \"uri\", \"uris\" is required",
            Validate(ResourceKind.Route, """{"upstream_id":"1"}"""));
    }

    [Fact]
    public void Route_with_unknown_property_is_refused_naming_it()
    {
        Assert.Equal("invalid configuration: additional properties forbidden, found urii",
            Validate(ResourceKind.Route, """{"uri":"/a","urii":"/b","upstream_id":"1"}"""));
    }

    [Fact]
    public void Route_method_outside_the_list_is_refused()
    {
        var error = Validate(ResourceKind.Route, """{"uri":"/a","methods":["GET","FETCH"],"upstream_id":"1"}""");
        Assert.StartsWith("invalid configuration: property \"methods\" validation failed: failed to validate item 2: matches none of the enum values", error);
    }

    [Fact]
    public void A_valid_value_is_kept_as_sent_with_its_id_and_no_defaults_added()
    {
        // As APISIX stores it: defaults (priority, status, upstream type, scheme, pass_host) apply where it is served.
        var value = JsonNode.Parse("""{"uri":"/a","upstream":{"nodes":{"127.0.0.1:80":1}}}""")!.AsObject();
        Assert.Null(ResourceValidator.Validate(ResourceKind.Route, "r1", value));
        Assert.Equal("""{"uri":"/a","upstream":{"nodes":{"127.0.0.1:80":1}},"id":"r1"}""", value.ToJsonString());
    }

    [Fact]
    public void Body_id_that_differs_from_path_id_is_refused()
    {
        var (message, description) = AdminErrors.Split(Validate(ResourceKind.Route, """{"id":"2","uri":"/a","upstream_id":"1"}""")!);
        Assert.Equal("wrong route id", message);
        Assert.Equal("the body says \"2\" but the path says \"1\"", description);
    }

    [Theory]
    [InlineData("a b")]
    [InlineData("")]
    [InlineData("x/y")]
    public void Path_id_outside_the_id_pattern_is_refused(string id)
    {
        var (message, description) = AdminErrors.Split(Validate(ResourceKind.Upstream, """{"nodes":{"127.0.0.1:80":1}}""", id)!);
        Assert.Equal("invalid configuration: property \"id\" validation failed: object matches none of the required", message);
        Assert.StartsWith($"id \"{id}\" in the path: ", description);
    }

    [Fact]
    public void Path_id_longer_than_64_characters_is_refused()
    {
        Assert.Contains("string too long, expected at most 64, got 65", Validate(ResourceKind.Upstream, """{"nodes":{"127.0.0.1:80":1}}""", new string('a', 65)));
    }

    [Fact]
    public void An_integer_id_keeps_its_json_type_and_must_agree_with_the_path()
    {
        var value = JsonNode.Parse("""{"id":7,"nodes":{"127.0.0.1:80":1}}""")!.AsObject();
        Assert.Null(ResourceValidator.Validate(ResourceKind.Upstream, "7", value, keepIdType: true)); // PUT /upstreams with the id in the body
        Assert.Equal(7, value["id"]!.GetValue<int>());
        var patched = JsonNode.Parse("""{"id":7,"nodes":{"127.0.0.1:80":1}}""")!.AsObject();
        Assert.Null(ResourceValidator.Validate(ResourceKind.Upstream, "7", patched)); // an id from the path: its text
        Assert.Equal("7", patched["id"]!.GetValue<string>());
        var fromPath = JsonNode.Parse("""{"nodes":{"127.0.0.1:80":1}}""")!.AsObject();
        Assert.Null(ResourceValidator.Validate(ResourceKind.Upstream, "7", fromPath));
        Assert.Equal("7", fromPath["id"]!.GetValue<string>());
        Assert.Equal("wrong upstream id", AdminErrors.Split(ResourceValidator.Validate(ResourceKind.Upstream, "8", JsonNode.Parse("""{"id":7,"nodes":{"127.0.0.1:80":1}}""")!.AsObject())!).Message);
        Assert.StartsWith("invalid configuration: property \"id\" validation failed",
            ResourceValidator.Validate(ResourceKind.Upstream, "-100", JsonNode.Parse("""{"id":-100,"nodes":{"127.0.0.1:80":1}}""")!.AsObject(), keepIdType: true));
    }

    [Fact]
    public void Integer_references_keep_their_type_and_resolve_by_their_text()
    {
        var value = JsonNode.Parse("""{"uri":"/a","upstream_id":1,"service_id":2}""")!.AsObject();
        Assert.Null(ResourceValidator.Validate(ResourceKind.Route, "r", value));
        Assert.Equal("""{"uri":"/a","upstream_id":1,"service_id":2,"id":"r"}""", value.ToJsonString());
        Assert.Equal(["1", "2"], ResourceValidator.References(ResourceKind.Route, value).Select(r => r.Id).ToArray());
    }

    [Theory]
    [InlineData("""{"nodes":{"127.0.0.1:8080":1}}""")]
    [InlineData("""{"nodes":[{"host":"127.0.0.1","port":8080,"weight":1}]}""")]
    [InlineData("""{"type":"chash","key":"remote_addr","nodes":{"a.example.com:80":0}}""")]
    [InlineData("""{"type":"chash","hash_on":"consumer","nodes":{"127.0.0.1:80":1}}""")]
    [InlineData("""{"nodes":[{"host":"[::1]","port":80,"weight":1}]}""")]
    [InlineData("""{"type":"chash","hash_on":"consumer","key":"anything at all","nodes":{"127.0.0.1:80":1}}""")]
    [InlineData("""{"nodes":{"127.0.0.1:80":1},"pass_host":"rewrite","upstream_host":"example.com"}""")]
    [InlineData("""{"nodes":{"127.0.0.1:80":1},"timeout":{"connect":1,"send":2,"read":3.5},"retries":2}""")]
    [InlineData("""{"nodes":{"127.0.0.1:80":1},"checks":{"active":{"http_path":"/status","healthy":{"interval":2,"successes":1},"unhealthy":{"interval":1,"http_failures":2}},"passive":{"unhealthy":{"http_statuses":[500]}}}}""")]
    public void Valid_upstreams_are_accepted(string json)
    {
        Assert.Null(Validate(ResourceKind.Upstream, json));
    }

    [Theory]
    [InlineData("""{"nodes":{"127.0.0.1:8080":-1}}""", "expected -1 to be at least 0")]
    [InlineData("""{"nodes":[{"host":"127.0.0.1","port":70000,"weight":1}]}""", "expected 70000 to be at most 65535")]
    [InlineData("""{"nodes":{"127.0.0.1:99999":1}}""", "invalid port in node address")]
    [InlineData("""{"type":"chash","nodes":{"127.0.0.1:80":1}}""", "missing key")]
    [InlineData("""{"nodes":[{"host":"::1","port":80,"weight":1}]}""", "invalid configuration: IPv6 address must be enclosed with '[' and ']'")]
    [InlineData("""{"type":"chash","hash_on":"header","nodes":{"127.0.0.1:80":1}}""", "missing key")]
    [InlineData("""{"type":"chash","key":"not_support","nodes":{"127.0.0.1:80":1}}""", "failed to match pattern \"^((uri|server_name|")]
    [InlineData("""{"type":"chash","hash_on":"header","key":"$#^@","nodes":{"127.0.0.1:80":1}}""", "failed to match pattern \"^[a-zA-Z0-9-_]+$\" with \"$#^@\"")]
    [InlineData("""{"type":"random","nodes":{"127.0.0.1:80":1}}""", "property \"type\" validation failed: matches none of the enum values")]
    [InlineData("""{"nodes":{"127.0.0.1:80":1},"pass_host":"rewrite"}""", "property \"upstream_host\" is required")]
    [InlineData("""{"type":"roundrobin"}""", "one of \"nodes\", \"service_name\" is required")]
    [InlineData("""{"nodes":{"127.0.0.1:80":1},"timeout":{"connect":0,"send":1,"read":1}}""", "expected 0 to be greater than 0")]
    [InlineData("""{"nodes":{"127.0.0.1:80":1},"checks":{"passive":{"unhealthy":{"http_statuses":[500]}}}}""", "object matches none of the required: [\"active\"] or [\"active\",\"passive\"]")]
    public void Invalid_upstreams_are_refused_with_the_reason(string json, string expected)
    {
        Assert.Contains(expected, Validate(ResourceKind.Upstream, json));
    }

    [Fact]
    public void Unknown_plugin_is_refused()
    {
        Assert.Equal("unknown plugin [no-such-plugin]",
            AdminErrors.Split(Validate(ResourceKind.Route, """{"uri":"/a","plugins":{"no-such-plugin":{}}}""")!).Message);
    }

    [Fact]
    public void A_plugin_is_checked_after_the_schema_with_apisix_texts_and_a_disabled_one_may_be_invalid()
    {
        Assert.Equal("invalid plugin conf 1 for plugin [cors]", Validate(ResourceKind.Route, """{"uri":"/a","plugins":{"cors":1}}"""));
        Assert.Equal("invalid configuration: property \"uri\" validation failed: wrong type: expected string, got number",
            Validate(ResourceKind.Route, """{"uri":1,"plugins":{"cors":1}}""")); // the schema first
        Assert.Null(Validate(ResourceKind.Route, """{"uri":"/a","plugins":{"limit-count":{"_meta":{"disable":true}}}}"""));
        Assert.StartsWith("failed to check the configuration of plugin limit-count err:",
            Validate(ResourceKind.Route, """{"uri":"/a","plugins":{"limit-count":{"_meta":{"disable":false}}}}"""));
    }

    [Theory]
    [InlineData("""{"limit-count":{"count":0,"time_window":60}}""", "failed to check the configuration of plugin limit-count err: property \"count\" validation failed: expected 0 to be greater than 0")]
    [InlineData("""{"limit-count":{"time_window":60}}""", "property \"count\" is required")]
    [InlineData("""{"ip-restriction":{"whitelist":["10.0.0.0/33"]}}""", "invalid ip address or CIDR: \"10.0.0.0/33\"")]
    [InlineData("""{"ip-restriction":{"whitelist":["10.0.0.1"],"blacklist":["10.0.0.2"]}}""", "only one of \"whitelist\", \"blacklist\" may be set")]
    [InlineData("""{"proxy-rewrite":{"regex_uri":["^/(.*","/$1"]}}""", "invalid regular expression")]
    [InlineData("""{"proxy-rewrite":{"uri":"no-slash"}}""", "failed to match pattern")]
    [InlineData("""{"cors":{"allow_credential":true}}""", "you can not set '*' for other option when 'allow_credential' is true")]
    [InlineData("""{"response-rewrite":{"body":"%%%","body_base64":true}}""", "invalid base64 content")]
    [InlineData("""{"key-auth":{"header":5}}""", "property \"header\" validation failed: wrong type: expected string, got number")]
    public void Invalid_plugin_configurations_are_refused_with_the_reason(string plugins, string expected)
    {
        Assert.Contains(expected, Validate(ResourceKind.Route, $$"""{"uri":"/a","upstream_id":"1","plugins":{{plugins}}}"""));
    }

    [Theory]
    [InlineData("""{"limit-count":{"count":2,"time_window":60,"rejected_code":429}}""")]
    [InlineData("""{"proxy-rewrite":{"regex_uri":["^/api/(.*)","/$1"],"headers":{"X-A":"1"}}}""")]
    [InlineData("""{"proxy-rewrite":{"headers":{"set":{"X-A":"1"},"remove":["X-B"]}}}""")]
    [InlineData("""{"key-auth":{},"cors":{},"ip-restriction":{"blacklist":["10.0.0.0/8","::1"]}}""")]
    [InlineData("""{"response-rewrite":{"status_code":200,"body":"aGk=","body_base64":true,"vars":[["status","==",500]]}}""")]
    public void Valid_plugin_configurations_are_accepted(string plugins)
    {
        Assert.Null(Validate(ResourceKind.Route, $$"""{"uri":"/a","upstream_id":"1","plugins":{{plugins}}}"""));
    }

    [Fact]
    public void Consumer_key_auth_needs_a_key()
    {
        Assert.Contains("property \"key\" is required", Validate(ResourceKind.Consumer, """{"username":"jack","plugins":{"key-auth":{}}}""", "jack"));
        Assert.Null(Validate(ResourceKind.Consumer, """{"username":"jack","plugins":{"key-auth":{"key":"k1"}}}""", "jack"));
    }

    [Fact]
    public void Consumer_username_pattern_is_enforced()
    {
        Assert.StartsWith("invalid configuration: property \"username\" validation failed: failed to match pattern", Validate(ResourceKind.Consumer, """{"username":"a.b"}""", "a.b"));
    }

    [Theory]
    [InlineData("""[["arg_name","==","x"]]""", null)]
    [InlineData("""[["http_x_user","~~","^a.*"],["cookie_sid","!","==","1"]]""", null)]
    [InlineData("""[["arg_n",">",5],["remote_addr","in",["1.1.1.1"]]]""", null)]
    [InlineData("""[["arg_a","x"]]""", null)] // [variable, value]: equality
    [InlineData("""["OR",["arg_a","==","1"],["AND",["arg_b","==","2"],["post_arg.user.id","==",3]]]""", null)]
    [InlineData("""[["!OR",["arg_a","==","1"],["arg_b","IN",["2"]]],["post_arg_name","~=","x"]]""", null)]
    [InlineData("""[["remote_addr","ipmatch",["10.0.0.0/8","::1"]]]""", null)]
    [InlineData("""[["arg_name","=","x"]]""", "failed to validate the 'vars' expression: invalid operator '='")]
    [InlineData("""[["arg_name","?","==","x"]]""", "failed to validate the 'vars' expression: bad 'not' expression")]
    [InlineData("""["arg_a","==","1"]""", "failed to validate the 'vars' expression: rule should be wrapped inside brackets")]
    [InlineData("""["OR",["arg_a","==","1"]]""", "failed to validate the 'vars' expression: rule too short")]
    [InlineData("""[[]]""", "failed to validate the 'vars' expression: rule too short")]
    [InlineData("""[["foo","==","x"]]""", "failed to validate the 'vars' expression: unknown variable 'foo'")]
    [InlineData("""[["http_a","~~","("]]""", "failed to validate the 'vars' expression: invalid regular expression")]
    [InlineData("""[["remote_addr","ipmatch","300.1.1.1"]]""", "failed to validate the 'vars' expression: operator 'ipmatch' needs")]
    [InlineData("""{"a":1}""", "invalid configuration: property \"vars\" validation failed: wrong type: expected array, got table")]
    public void Route_vars_are_checked(string vars, string? expected)
    {
        var error = Validate(ResourceKind.Route, $$"""{"uri":"/a","upstream_id":"1","vars":{{vars}}}""");
        if (expected is null)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.StartsWith(expected, error);
        }
    }

    [Fact]
    public void Ssl_with_garbage_certificate_is_refused()
    {
        var garbage = new string('x', 200);
        Assert.StartsWith("failed to parse cert: PEM_read_bio_X509_AUX() failed",
            Validate(ResourceKind.Ssl, $$"""{"cert":"{{garbage}}","key":"{{garbage}}","snis":["a.example.com"]}"""));
    }

    [Fact]
    public void Ssl_with_matching_pair_is_accepted_and_mismatched_key_refused()
    {
        var (cert, key) = TestCertificates.Create("a.example.com");
        var (_, otherKey) = TestCertificates.Create("b.example.com");
        Assert.Null(Validate(ResourceKind.Ssl, new JsonObject { ["cert"] = cert, ["key"] = key, ["snis"] = new JsonArray("a.example.com") }.ToJsonString()));
        Assert.NotNull(Validate(ResourceKind.Ssl, new JsonObject { ["cert"] = cert, ["key"] = otherKey, ["snis"] = new JsonArray("a.example.com") }.ToJsonString()));
    }

    [Fact]
    public void Malformed_json_is_reported_as_invalid_request_body()
    {
        Assert.Null(ResourceValidator.ParseObject("{\"uri\":", out var error));
        Assert.StartsWith("invalid request body:", error);
        Assert.Null(ResourceValidator.ParseObject("[1]", out error));
        Assert.Equal("invalid request body: expected a JSON object, got array", error);
    }

    [Theory]
    [InlineData("""{"uri":"/a","host":"a.com","hosts":["b.com"],"upstream_id":"1"}""", "only one of host or hosts is allowed")]
    [InlineData("""{"uri":"/a","remote_addr":"127.0.0.1","remote_addrs":["127.0.0.2"],"upstream_id":"1"}""", "only one of remote_addr or remote_addrs is allowed")]
    [InlineData("""{"uri":"/a","upstream":{"type":"chash","nodes":{"127.0.0.1:80":1}}}""", "missing key")]
    public void Route_checks_answer_APISIX_text_exactly(string json, string expected)
    {
        Assert.Equal(expected, Validate(ResourceKind.Route, json));
    }

    [Theory]
    [InlineData(-100)]
    [InlineData(0)]
    public void An_integer_id_below_1_is_refused_as_APISIX_does(int id)
    {
        var (message, description) = AdminErrors.Split(Validate(ResourceKind.Upstream, $$$"""{"id":{{{id}}},"nodes":{"127.0.0.1:80":1}}""", id: null)!);
        Assert.Equal("invalid configuration: property \"id\" validation failed: object matches none of the required", message);
        Assert.Contains($"expected {id} to be at least 1", description);
    }

    [Fact]
    public void A_uri_without_a_leading_slash_is_accepted_as_APISIX_does()
    {
        Assert.Null(Validate(ResourceKind.Route, """{"uri":"1","upstream_id":"1"}"""));
    }

    [Theory]
    [InlineData("""{"uri":"/a","create_time":1}""", "the property is forbidden:  create_time")]
    [InlineData("""{"uri":"/a","upstream":{"update_time":1}}""", "the property is forbidden:  upstream.update_time")]
    [InlineData("""{"uri":"/a","plugins":{"create_time":1}}""", "the property is forbidden:  plugins.create_time")]
    public void Times_in_a_body_are_named_as_APISIX_names_them(string json, string expected)
    {
        Assert.Equal(expected, ResourceValidator.ForbiddenTimes(JsonNode.Parse(json)!.AsObject()));
    }

    [Fact]
    public void A_body_without_times_has_nothing_forbidden()
    {
        Assert.Null(ResourceValidator.ForbiddenTimes(JsonNode.Parse("""{"uri":"/a","upstream":{"nodes":{}}}""")!.AsObject()));
    }

    [Fact]
    public void Plugin_configs_and_consumer_groups_need_plugins_and_take_apisix_metadata()
    {
        Assert.Null(Validate(ResourceKind.PluginConfig, """{"plugins":{},"name":"n","desc":"d","labels":{"a":"b"}}"""));
        Assert.Null(Validate(ResourceKind.ConsumerGroup, """{"plugins":{"limit-count":{"count":1,"time_window":1}},"desc":"d"}""", "company_a"));
        Assert.Equal("invalid configuration: property \"plugins\" is required", Validate(ResourceKind.PluginConfig, """{"desc":"d"}"""));
        Assert.Equal("invalid configuration: additional properties forbidden, found uri", Validate(ResourceKind.ConsumerGroup, """{"plugins":{},"uri":"/a"}"""));
        Assert.StartsWith("failed to check the configuration of plugin limit-count err:", Validate(ResourceKind.PluginConfig, """{"plugins":{"limit-count":{"count":1}}}"""));
    }

    [Fact]
    public void Plugin_config_and_group_references_are_found_and_integer_ones_become_strings()
    {
        var route = JsonNode.Parse("""{"uri":"/a","upstream_id":"u","plugin_config_id":7}""")!.AsObject();
        Assert.Null(ResourceValidator.Validate(ResourceKind.Route, "r", route));
        Assert.Equal([new ResourceKey(ResourceKind.Upstream, "u"), new ResourceKey(ResourceKind.PluginConfig, "7")], ResourceValidator.References(ResourceKind.Route, route));
        var consumer = JsonNode.Parse("""{"username":"jack","group_id":"gold"}""")!.AsObject();
        Assert.Null(ResourceValidator.Validate(ResourceKind.Consumer, "jack", consumer));
        Assert.Equal([new ResourceKey(ResourceKind.ConsumerGroup, "gold")], ResourceValidator.References(ResourceKind.Consumer, consumer));
    }

    [Fact]
    public void A_consumer_takes_non_authentication_plugins_with_their_usual_schema()
    {
        Assert.Null(Validate(ResourceKind.Consumer, """{"username":"jack","plugins":{"key-auth":{"key":"k"},"limit-count":{"count":2,"time_window":60}}}""", "jack"));
        Assert.StartsWith("invalid plugins configuration: failed to check the configuration of plugin limit-count err:",
            Validate(ResourceKind.Consumer, """{"username":"jack","plugins":{"limit-count":{"count":2}}}""", "jack"));
    }

    [Fact]
    public void Schema_errors_read_as_apisix_words_them_with_our_help_apart()
    {
        var labels = AdminErrors.Split(Validate(ResourceKind.Upstream, """{"nodes":{"127.0.0.1:1":1},"labels":{"env":["a"]}}""")!);
        Assert.Equal(("invalid configuration: property \"labels\" validation failed: failed to validate env (matching \".*\"): wrong type: expected string, got table", "got a JSON array"), labels);
        var unique = AdminErrors.Split(Validate(ResourceKind.Route, """{"uri":"/a","methods":["GET","PUT","GET"]}""")!);
        Assert.Equal("invalid configuration: property \"methods\" validation failed: expected unique items but items 1 and 3 are equal", unique.Message);
        var enumError = AdminErrors.Split(Validate(ResourceKind.Upstream, """{"nodes":{"127.0.0.1:1":1},"hash_on":"x"}""")!);
        Assert.Equal(("invalid configuration: property \"hash_on\" validation failed: matches none of the enum values",
            "expected one of \"vars\", \"header\", \"cookie\", \"consumer\", \"vars_combinations\", got \"x\""), enumError);
    }

    [Fact]
    public void Plugin_metadata_is_named_by_a_plugin_provided_and_protos_need_content()
    {
        var metadata = JsonNode.Parse("""{"anything":{"goes":1}}""")!.AsObject();
        Assert.Null(ResourceValidator.Validate(ResourceKind.PluginMetadata, "cors", metadata));
        Assert.Equal("cors", metadata["id"]!.GetValue<string>());
        Assert.Equal("invalid plugin name", AdminErrors.Split(ResourceValidator.Validate(ResourceKind.PluginMetadata, "test", JsonNode.Parse("{}")!.AsObject())!).Message);
        Assert.Equal("not supported `POST` method for plugin_metadata", ResourceKinds.Unsupported(ResourceKind.PluginMetadata, "POST"));

        Assert.Null(ResourceValidator.Validate(ResourceKind.Proto, "1", JsonNode.Parse("""{"content":"syntax = \"proto3\";","desc":"d"}""")!.AsObject()));
        Assert.Equal("invalid configuration: property \"content\" is required", ResourceValidator.Validate(ResourceKind.Proto, "1", JsonNode.Parse("{}")!.AsObject()));
    }

    [Fact]
    public void A_body_with_raw_line_breaks_inside_strings_is_read_as_apisix_reads_it()
    {
        var value = ResourceValidator.ParseObject("{\"content\": \"syntax = \\\"proto3\\\";\n\tpackage a;\"}", out var error);
        Assert.Null(error);
        Assert.Equal("syntax = \"proto3\";\n\tpackage a;", value!["content"]!.GetValue<string>());
        Assert.Null(ResourceValidator.ParseObject("{\"a\": \"x\n\", }", out error));
        Assert.StartsWith("invalid request body:", error);
    }
}
