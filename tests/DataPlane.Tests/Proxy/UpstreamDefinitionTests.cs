using System.Net;
using System.Text.Json.Nodes;
using OrleansGateway.DataPlane.Proxy;

namespace OrleansGateway.DataPlane.Tests.Proxy;

public class UpstreamDefinitionTests
{
    private static UpstreamDefinition Parse(string json) => UpstreamDefinition.Parse("upstreams/u", JsonNode.Parse(json)!.AsObject());

    [Theory]
    [InlineData("grpc", "http", 80)]
    [InlineData("grpcs", "https", 443)]
    public void Grpc_upstreams_are_spoken_to_in_http2_only(string scheme, string transport, int defaultPort)
    {
        var upstream = Parse($$"""{"scheme":"{{scheme}}","nodes":[{"host":"10.0.0.1","weight":1}]}""");
        Assert.Equal(transport, upstream.TransportScheme);
        Assert.Equal(defaultPort, upstream.Nodes[0].Port);
        Assert.Equal(HttpVersion.Version20, upstream.RequestConfig.Version);
        Assert.Equal(HttpVersionPolicy.RequestVersionExact, upstream.RequestConfig.VersionPolicy);
    }

    [Fact]
    public void Http_upstreams_keep_the_forwarders_default_version()
    {
        var upstream = Parse("""{"nodes":{"10.0.0.1:8080":1}}""");
        Assert.Equal("http", upstream.TransportScheme);
        Assert.Null(upstream.RequestConfig.Version);
        Assert.Null(upstream.RequestConfig.VersionPolicy);
    }

    [Theory]
    [InlineData("""{"connect":1,"send":7,"read":3}""", 7)]
    [InlineData("""{"connect":1,"send":2,"read":9}""", 9)]
    [InlineData("""{"connect":1}""", 60)]
    public void The_inactivity_timeout_is_the_larger_of_send_and_read(string timeout, int seconds)
    {
        var upstream = Parse($$"""{"nodes":{"10.0.0.1:8080":1},"timeout":{{timeout}}}""");
        Assert.Equal(TimeSpan.FromSeconds(seconds), upstream.RequestConfig.ActivityTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1), upstream.ConnectTimeout);
    }
}
