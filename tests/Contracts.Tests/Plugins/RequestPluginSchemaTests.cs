using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.Contracts.Tests.Plugins;

/// <summary>The request plugins' configurations refused with APISIX's texts (t/plugin/redirect.t, fault-injection.t, mocking.t …).</summary>
public class RequestPluginSchemaTests
{
    [Theory]
    [InlineData("""{"redirect":{"http_to_https":true,"uri":"/hello"}}""", "value should match only one schema, but matches both schemas 1 and 3")]
    [InlineData("""{"redirect":{"ret_code":302}}""", "value should match only one schema, but matches none")]
    [InlineData("""{"redirect":{"http_to_https":true,"append_query_string":true}}""", "only one of `http_to_https` and `append_query_string` can be configured.")]
    [InlineData("""{"redirect":{"regex_uri":["^/a(", "/b"]}}""", "invalid regex_uri (^/a(, /b), err:invalid regular expression")]
    [InlineData("""{"fault-injection":{}}""", "expect object to have at least 1 properties")]
    [InlineData("""{"fault-injection":{"abort":{"http_status":100}}}""", "property \"abort\" validation failed: property \"http_status\" validation failed: expected 100 to be at least 200")]
    [InlineData("""{"fault-injection":{"abort":{}}}""", "property \"abort\" validation failed: property \"http_status\" is required")]
    [InlineData("""{"fault-injection":{"delay":{}}}""", "property \"delay\" validation failed: property \"duration\" is required")]
    [InlineData("""{"fault-injection":{"delay":{"duration":"test"}}}""", "property \"delay\" validation failed: property \"duration\" validation failed: wrong type: expected number, got string")]
    [InlineData("""{"fault-injection":{"abort":{"http_status":403,"vars":[["arg_name","!=","jack"]]}}}""", "rule should be wrapped inside brackets")]
    [InlineData("""{"mocking":{"content_type":"application/octet-stream","response_example":"x"}}""", "unsupported content type!")]
    [InlineData("""{"mocking":{"delay":1}}""", "object matches none of the required")]
    [InlineData("""{"request-id":{"include_in_response":"yes"}}""", "property \"include_in_response\" validation failed: wrong type: expected boolean, got string")]
    [InlineData("""{"request-id":{"algorithm":"uuidv5"}}""", "property \"algorithm\" validation failed: matches none of the enum values")]
    [InlineData("""{"real-ip":{}}""", "property \"source\" is required")]
    [InlineData("""{"client-control":{"max_body_size":-1}}""", "property \"max_body_size\" validation failed: expected -1 to be at least 0")]
    [InlineData("""{"ua-restriction":{"allowlist":["a"],"denylist":["b"]}}""", "value should match only one schema, but matches both schemas 1 and 2")]
    [InlineData("""{"ua-restriction":{"bypass_missing":true}}""", "value should match only one schema, but matches none")]
    [InlineData("""{"ua-restriction":{"denylist":["a"],"message":""}}""", "property \"message\" validation failed: string too short, expected at least 1, got 0")]
    [InlineData("""{"referer-restriction":{"whitelist":["xx.com"],"blacklist":["yy.com"]}}""", "value should match only one schema, but matches both schemas 1 and 2")]
    [InlineData("""{"referer-restriction":{"whitelist":["x.*"]}}""", "property \"whitelist\" validation failed: failed to validate item 1: failed to match pattern")]
    [InlineData("""{"uri-blocker":{"block_rules":["aa"],"rejected_msg":""}}""", "property \"rejected_msg\" validation failed: string too short, expected at least 1, got 0")]
    [InlineData("""{"uri-blocker":{"block_rules":[".+("]}}""", "invalid regular expression \".+(\"")]
    [InlineData("""{"uri-blocker":{}}""", "property \"block_rules\" is required")]
    public void Bad_configurations_are_refused_with_apisix_text(string plugins, string expected)
        => PluginChecks.RefusedWith(plugins, expected);

    [Theory]
    [InlineData("""{"redirect":{"uri":"/test/a${arg_name}c","ret_code":301,"encode_uri":true,"append_query_string":true}}""")]
    [InlineData("""{"redirect":{"http_to_https":true,"append_query_string":false}}""")]
    [InlineData("""{"redirect":{"regex_uri":["^/test/(.*)","http://test.com/${1}"]}}""")]
    [InlineData("""{"fault-injection":{"abort":{"http_status":200,"body":"x","headers":{"h1":"v1","h2":2},"percentage":50,"vars":[[["arg_name","==","jack"]]]},"delay":{"duration":0.5}}}""")]
    [InlineData("""{"mocking":{"content_type":"application/json;charset=utf8","response_schema":{"type":"object"},"delay":1,"response_status":201,"with_mock_header":false,"response_headers":{"X-A":"b"}}}""")]
    [InlineData("""{"request-id":{"header_name":"X-Trace","algorithm":"range_id","range_id":{"char_set":"abcdefg","length":20}}}""")]
    [InlineData("""{"real-ip":{"source":"http_x_forwarded_for","trusted_addresses":["127.0.0.0/24","::1"],"recursive":true}}""")]
    [InlineData("""{"ua-restriction":{"denylist":["my-bot1","(Baiduspider)/(\\d+)\\.(\\d+)"],"bypass_missing":true}}""")]
    [InlineData("""{"referer-restriction":{"whitelist":["*.xx.com","yy.com","*"],"message":"no"}}""")]
    [InlineData("""{"uri-blocker":{"block_rules":["aa","c\\d+"],"case_insensitive":true,"rejected_code":410}}""")]
    [InlineData("""{"client-control":{"max_body_size":0}}""")]
    public void Good_configurations_are_accepted(string plugins) => Assert.Null(PluginChecks.Route(plugins));
}
