using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.Contracts.Tests.Plugins;

/// <summary>traffic-split, proxy-mirror, gzip and request-validation configurations refused with APISIX's texts.</summary>
public class ReleasePluginSchemaTests
{
    [Theory]
    [InlineData("""{"traffic-split":{"rules":[{"match":[{"vars":[["arg_name","123","jack"]]}]}]}}""", "failed to validate the 'vars' expression: invalid operator '123'")]
    [InlineData("""{"traffic-split":{"rules":[{"match":[{}]}]}}""", "failed to validate the 'vars' expression: missing argument rule")]
    [InlineData("""{"traffic-split":{"rules":[{"weighted_upstreams":[{"weight":-1}]}]}}""",
        "property \"rules\" validation failed: failed to validate item 1: property \"weighted_upstreams\" validation failed: failed to validate item 1: property \"weight\" validation failed: expected -1 to be at least 0")]
    [InlineData("""{"traffic-split":{"rules":[{"weighted_upstreams":[]}]}}""",
        "property \"rules\" validation failed: failed to validate item 1: property \"weighted_upstreams\" validation failed: expect array to have at least 1 items")]
    [InlineData("""{"proxy-mirror":{"host":"http://127.0.0.1:1999","sample_ratio":10}}""", "property \"sample_ratio\" validation failed: expected 10 to be at most 1")]
    [InlineData("""{"proxy-mirror":{"host":"ftp://127.0.0.1:1999"}}""", "property \"host\" validation failed: failed to match pattern")]
    [InlineData("""{"proxy-mirror":{"host":"http://127.0.0.1:1999/invalid_uri"}}""", "property \"host\" validation failed: failed to match pattern")]
    [InlineData("""{"proxy-mirror":{"host":"http://127.0.0.1","path":"/a?a=c"}}""", "property \"path\" validation failed: failed to match pattern")]
    [InlineData("""{"proxy-mirror":{}}""", "property \"host\" is required")]
    [InlineData("""{"gzip":{"types":[]}}""", "property \"types\" validation failed: object matches none of the required")]
    [InlineData("""{"gzip":{"min_length":0}}""", "property \"min_length\" validation failed: expected 0 to be at least 1")]
    [InlineData("""{"gzip":{"comp_level":10}}""", "property \"comp_level\" validation failed: expected 10 to be at most 9")]
    [InlineData("""{"gzip":{"http_version":2}}""", "property \"http_version\" validation failed: matches none of the enum values")]
    [InlineData("""{"gzip":{"buffers":{"number":0}}}""", "property \"buffers\" validation failed: property \"number\" validation failed: expected 0 to be at least 1")]
    [InlineData("""{"gzip":{"vary":0}}""", "property \"vary\" validation failed: wrong type: expected boolean, got number")]
    [InlineData("""{"request-validation":{"rejected_msg":"x"}}""", "object matches none of the required")]
    [InlineData("""{"request-validation":{"body_schema":{"type":"object"},"rejected_code":10000}}""", "property \"rejected_code\" validation failed: expected 10000 to be at most 599")]
    [InlineData("""{"request-validation":{"body_schema":{"type":"test"}}}""", "invalid JSON schema:")]
    public void Bad_configurations_are_refused_with_apisix_text(string plugins, string expected)
        => PluginChecks.RefusedWith(plugins, expected);

    [Theory]
    [InlineData("""{"traffic-split":{}}""")]
    [InlineData("""{"traffic-split":{"rules":[{"match":[{"vars":[["arg_name","==","jack"],["arg_age","!","<","16"]]}],"weighted_upstreams":[{"upstream_id":1,"weight":2},{"weight":1}]}]}}""")]
    [InlineData("""{"traffic-split":{"rules":[{"weighted_upstreams":[{"upstream":{"type":"roundrobin","nodes":{"127.0.0.1:1981":1},"pass_host":"rewrite","upstream_host":"test.com"},"weight":1}]}]}}""")]
    [InlineData("""{"proxy-mirror":{"host":"http://[::1]:202","path":"/a","path_concat_mode":"prefix","sample_ratio":0.5}}""")]
    [InlineData("""{"proxy-mirror":{"host":"grpcs://mirror.example.com"}}""")]
    [InlineData("""{"gzip":{"types":"*","min_length":1,"comp_level":9,"http_version":1.0,"buffers":{"number":1},"vary":true}}""")]
    [InlineData("""{"request-validation":{"header_schema":{"type":"object","required":["x-a"]},"body_schema":{"type":"object","properties":{"k":{"type":"string","pattern":"^good$"}}},"rejected_msg":"no"}}""")]
    public void Good_configurations_are_accepted(string plugins) => Assert.Null(PluginChecks.Route(plugins));
}
