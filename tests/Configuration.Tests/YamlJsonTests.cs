namespace OrleansGateway.Configuration.Tests;

public class YamlJsonTests
{
    [Fact]
    public void Apisix_yaml_with_end_marker_converts_with_typed_scalars()
    {
        const string yaml = """
            routes:
              - id: 1
                uri: /ip
                priority: -2
                enable_websocket: false
                upstream:
                  nodes:
                    "127.0.0.1:1980": 1
                  type: roundrobin
                desc: "007"
                name: ~
            #END
            """;
        var json = YamlJson.Convert(yaml, out var error)!.ToJsonString();
        Assert.Null(error);
        Assert.Equal("""{"routes":[{"id":1,"uri":"/ip","priority":-2,"enable_websocket":false,"upstream":{"nodes":{"127.0.0.1:1980":1},"type":"roundrobin"},"desc":"007","name":null}]}""", json);
    }

    [Fact]
    public void Broken_yaml_reports_line_and_column()
    {
        Assert.Null(YamlJson.Convert("routes:\n  - id: [1\n", out var error));
        Assert.Contains("invalid YAML at line", error);
    }
}
