using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.Contracts.Tests.Plugins;

/// <summary>prometheus and http-logger configurations and metadata, with APISIX's texts (t/plugin/http-logger*.t).</summary>
public class ObservabilityPluginSchemaTests
{
    [Theory]
    [InlineData("""{"http-logger":{}}""", "property \"uri\" is required")]
    [InlineData("""{"http-logger":{"uri":"127.0.0.1:1024"}}""", "property \"uri\" validation failed: failed to match pattern")]
    [InlineData("""{"http-logger":{"uri":"http://127.0.0.1","max_req_body_bytes":"1"}}""", "property \"max_req_body_bytes\" validation failed: wrong type: expected integer, got string")]
    [InlineData("""{"http-logger":{"uri":"http://127.0.0.1","include_resp_body_expr":[["arg_bar","<>","foo"]]}}""", "failed to validate the 'include_resp_body_expr' expression: invalid operator '<>'")]
    [InlineData("""{"http-logger":{"uri":"http://127.0.0.1","concat_method":"csv"}}""", "property \"concat_method\" validation failed: matches none of the enum values")]
    [InlineData("""{"http-logger":{"uri":"http://127.0.0.1","batch_max_size":0}}""", "property \"batch_max_size\" validation failed: expected 0 to be at least 1")]
    [InlineData("""{"prometheus":{"prefer_name":"yes"}}""", "property \"prefer_name\" validation failed: wrong type: expected boolean, got string")]
    public void Bad_configurations_are_refused_with_apisix_text(string plugins, string expected)
        => PluginChecks.RefusedWith(plugins, expected);

    [Theory]
    [InlineData("""{"prometheus":{}}""")]
    [InlineData("""{"http-logger":{"uri":"http://127.0.0.1:1024/x?aa=b","auth_header":"Bearer x","timeout":2,"include_req_body":true,"include_resp_body_expr":[["arg_bar","==","foo"]],"concat_method":"new_line","batch_max_size":2,"inactive_timeout":1,"buffer_duration":10,"max_retry_count":3,"retry_delay":0,"name":"mine","log_format":{"host":"$host"}}}""")]
    public void Good_configurations_are_accepted(string plugins) => Assert.Null(PluginChecks.Route(plugins));

    [Fact]
    public void The_sink_credential_is_sealed_at_rest_and_the_metadata_is_checked()
    {
        var route = JsonNode.Parse("""{"plugins":{"http-logger":{"uri":"http://x","auth_header":"Bearer secret"}}}""")!.AsObject();
        Assert.Equal(1, SecretFields.Map(ResourceKind.Route, route, (_, _) => "sealed"));
        Assert.Null(ResourceValidator.Validate(ResourceKind.PluginMetadata, "http-logger", JsonNode.Parse("""{"log_format":{"host":"$host"},"max_pending_entries":10}""")!.AsObject()));
        Assert.Contains("max_pending_entries", ResourceValidator.Validate(ResourceKind.PluginMetadata, "http-logger", JsonNode.Parse("""{"max_pending_entries":0}""")!.AsObject()));
    }
}
