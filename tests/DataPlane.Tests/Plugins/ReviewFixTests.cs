using System.Text;
using Microsoft.AspNetCore.Http;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.DataPlane.Plugins.Limits;
using OrleansGateway.DataPlane.Plugins.Release;
using OrleansGateway.DataPlane.Proxy;
using static OrleansGateway.DataPlane.Tests.Plugins.PluginHarness;

namespace OrleansGateway.DataPlane.Tests.Plugins;

/// <summary>What a review of the plugin work found, held by tests: mirror targets, body reads, consumer plugins, slot keys.</summary>
public class ReviewFixTests
{
    [Theory]
    [InlineData(null, false, "//evil.example/x", "?a=1", "http://mirror.test:1986//evil.example/x?a=1")]
    [InlineData("/copies", true, "/hello", "", "http://mirror.test:1986/copies/hello")]
    [InlineData("/a", false, "/hello", "?q=%20", "http://mirror.test:1986/a?q=%20")]
    public void A_mirror_copy_always_goes_to_the_mirror_host(string? path, bool prefix, string requestPath, string query, string expected)
    {
        var target = ProxyMirrorPlugin.Target("http://mirror.test:1986", path, prefix, new PathString(requestPath), new QueryString(query));
        Assert.Equal(("mirror.test", expected), (target.Host, target.OriginalString));
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_not_read_but_reaches_the_upstream_whole()
    {
        var http = new DefaultHttpContext();
        var body = Encoding.UTF8.GetBytes(new string('x', 300_000));
        http.Request.Body = new MemoryStream(body); // no Content-Length: as a chunked body
        Assert.Null(await BufferedBody.ReadAsync(http, 1000));
        Assert.Null(await BufferedBody.ReadAsync(http, 1000)); // asked again: not read again
        using var reader = new StreamReader(http.Request.Body);
        Assert.Equal(300_000, (await reader.ReadToEndAsync()).Length);
    }

    [Fact]
    public async Task A_consumers_plugins_on_a_route_without_plugins_take_the_versions_plugin_metadata()
    {
        var gateway = new PluginHarness(
            R(ResourceKind.PluginMetadata, "limit-count", """{"id":"limit-count","limit_header":"X-Quota"}"""),
            R(ResourceKind.GlobalRule, "auth", """{"id":"auth","plugins":{"key-auth":{}}}"""),
            Consumer("jack", """{"key-auth":{"key":"jack-key"},"limit-count":{"count":5,"time_window":60}}"""),
            R(ResourceKind.Route, "plain-meta", """{"id":"plain-meta","uri":"/plain-meta","upstream_id":"u"}"""));
        var outcome = await gateway.RunAsync("/plain-meta", r => r.Headers["apikey"] = "jack-key");
        Assert.Equal((null, "5"), (outcome.Answered, outcome.ResponseHeaders["X-Quota"].ToString()));
    }

    [Fact]
    public async Task A_limit_conn_key_is_forgotten_once_its_last_request_completed()
    {
        var gateway = new PluginHarness(Route("slots", """{"limit-conn":{"conn":1,"burst":0,"default_conn_delay":0.1,"key":"http_client","key_type":"var"}}"""));
        var tag = Guid.NewGuid().ToString("N");
        var held = new List<PluginHarness.Outcome>();
        for (var i = 0; i < 20; i++)
        {
            var client = $"{tag}-{i}";
            held.Add(await gateway.RunAsync("/slots", r => r.Headers["client"] = client, complete: false));
        }
        Assert.Equal(20, LimitConnPlugin.KeysInFlight(tag));
        held.ForEach(h => h.Complete());
        Assert.Equal(0, LimitConnPlugin.KeysInFlight(tag));
    }
}
