using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.Contracts.Tests.Plugins;

/// <summary>The traffic-control plugins' configurations refused with APISIX's texts (t/plugin/limit-*.t, api-breaker.t).</summary>
public class TrafficPluginSchemaTests
{
    [Theory]
    [InlineData("""{"limit-req":{"rate":-1,"burst":0.1,"key":"remote_addr"}}""", "property \"rate\" validation failed: expected -1 to be greater than 0")]
    [InlineData("""{"limit-req":{"rate":1,"burst":0,"key":"remote_addr","policy":"redis"}}""", "then clause did not match")]
    [InlineData("""{"limit-req":{"rate":1,"key":"remote_addr"}}""", "property \"burst\" is required")]
    [InlineData("""{"limit-conn":{"conn":1,"burst":0,"default_conn_delay":0.1,"key":"remote_addr","allow_degradation":"true1"}}""",
        "property \"allow_degradation\" validation failed: wrong type: expected boolean, got string")]
    [InlineData("""{"limit-conn":{"conn":1,"burst":0,"default_conn_delay":0.1,"key":"remote_addr","rejected_msg":""}}""",
        "property \"rejected_msg\" validation failed: string too short, expected at least 1, got 0")]
    [InlineData("""{"limit-conn":{"burst":0,"default_conn_delay":0.1,"key":"remote_addr"}}""", "value should match only one schema, but matches none")]
    [InlineData("""{"limit-conn":{"conn":-1,"burst":0,"default_conn_delay":0.1,"key":"remote_addr"}}""", "property \"conn\" validation failed: value should match only one schema, but matches none")]
    [InlineData("""{"limit-conn":{"conn":1,"burst":0,"default_conn_delay":0,"key":"remote_addr"}}""", "property \"default_conn_delay\" validation failed: expected 0 to be greater than 0")]
    [InlineData("""{"limit-conn":{"conn":1,"burst":0,"default_conn_delay":1,"key":"k","rules":[{"conn":1,"burst":0,"key":"k"}]}}""", "value should match only one schema, but matches both schemas 1 and 2")]
    [InlineData("""{"limit-count":{"time_window":60}}""", "value should match only one schema, but matches none")]
    [InlineData("""{"limit-count":{"count":-100,"time_window":60}}""", "property \"count\" validation failed: expected -100 to be greater than 0")]
    [InlineData("""{"limit-count":{"count":2,"time_window":60,"policy":"redis"}}""", "then clause did not match")]
    [InlineData("""{"limit-count":{"count":2,"time_window":60,"policy":"redis-cluster","redis_cluster_nodes":["127.0.0.1:5000"]}}""", "else clause did not match")]
    [InlineData("""{"limit-count":{"count":2,"time_window":60,"policy":"redis-cluster","redis_cluster_name":"c","redis_cluster_nodes":["127.0.0.1:5000"],"redis_cluster_ssl":"true"}}""", "else clause did not match")]
    [InlineData("""{"api-breaker":{"break_response_code":199}}""", "property \"break_response_code\" validation failed: expected 199 to be at least 200")]
    [InlineData("""{"api-breaker":{"break_response_code":502,"healthy":{"http_statuses":[206,206]}}}""",
        "property \"healthy\" validation failed: property \"http_statuses\" validation failed: expected unique items but items 1 and 2 are equal")]
    [InlineData("""{"api-breaker":{"break_response_code":502,"break_response_headers":[{"key":"a"}]}}""",
        "property \"break_response_headers\" validation failed: failed to validate item 1: property \"value\" is required")]
    [InlineData("""{"api-breaker":{"break_response_code":502,"max_breaker_sec":-1}}""", "property \"max_breaker_sec\" validation failed: expected -1 to be at least 3")]
    [InlineData("""{"api-breaker":{}}""", "property \"break_response_code\" is required")]
    public void Bad_configurations_are_refused_with_apisix_text(string plugins, string expected)
        => PluginChecks.RefusedWith(plugins, expected);

    [Theory]
    [InlineData("""{"limit-req":{"rate":4,"burst":2,"key":"remote_addr","nodelay":true,"rejected_code":429,"rejected_msg":"slow"}}""")]
    [InlineData("""{"limit-req":{"rate":1,"burst":0,"key":"$http_a $http_b","key_type":"var_combination","policy":"redis","redis_host":"127.0.0.1","redis_password":"p","allow_degradation":true}}""")]
    [InlineData("""{"limit-conn":{"conn":"${http_conn ?? 5}","burst":"${http_burst ?? 2}","default_conn_delay":0.1,"key":"remote_addr","only_use_default_delay":true}}""")]
    [InlineData("""{"limit-conn":{"default_conn_delay":0.1,"rules":[{"conn":4,"burst":3,"key":"${http_user}"}],"policy":"redis-cluster","redis_cluster_nodes":["127.0.0.1:7000"],"redis_cluster_name":"c","key_ttl":60}}""")]
    [InlineData("""{"limit-count":{"count":2,"time_window":60,"policy":"redis","redis_host":"127.0.0.1","redis_port":6379,"redis_database":1,"redis_timeout":1001,"redis_ssl":true}}""")]
    [InlineData("""{"api-breaker":{"break_response_code":502,"break_response_body":"{\"message\":\"breaker opened.\"}","break_response_headers":[{"key":"Content-Type","value":"application/json"}],"unhealthy":{"http_statuses":[500,503],"failures":3},"healthy":{"http_statuses":[200,206],"successes":3},"max_breaker_sec":10}}""")]
    public void Good_configurations_are_accepted(string plugins) => Assert.Null(PluginChecks.Route(plugins));

    [Fact]
    public void A_redis_password_is_a_secret_field_sealed_at_rest()
    {
        var route = JsonNode.Parse("""{"plugins":{"limit-count":{"count":1,"time_window":1,"policy":"redis","redis_host":"h","redis_password":"p"}}}""")!.AsObject();
        Assert.Equal(1, SecretFields.Map(ResourceKind.Route, route, (path, value) => $"sealed({path})"));
        Assert.Equal("sealed(plugins.limit-count.redis_password)", route["plugins"]!["limit-count"]!["redis_password"]!.GetValue<string>());
    }
}
