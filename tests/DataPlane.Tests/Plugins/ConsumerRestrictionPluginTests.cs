using OrleansGateway.Contracts.Resources;
using static OrleansGateway.DataPlane.Tests.Plugins.PluginHarness;

namespace OrleansGateway.DataPlane.Tests.Plugins;

/// <summary>consumer-restriction as APISIX's t/plugin/consumer-restriction*.t: by consumer, group, route, service, method.</summary>
public class ConsumerRestrictionPluginTests
{
    private static PluginHarness Gateway(params StoredResource[] routes) => new(
    [
        R(ResourceKind.ConsumerGroup, "gold", """{"id":"gold","plugins":{}}"""),
        Consumer("jack", """{"basic-auth":{"username":"jack","password":"p"}}""", ""","group_id":"gold" """),
        Consumer("jill", """{"basic-auth":{"username":"jill","password":"p"}}"""),
        R(ResourceKind.Service, "s1", """{"id":"s1","upstream_id":"u"}"""),
        .. routes,
    ]);

    private static Action<Microsoft.AspNetCore.Http.HttpRequest> As(string user) =>
        r => r.Headers.Authorization = "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(user + ":p"));

    [Fact]
    public async Task Whitelist_and_blacklist_by_consumer_name_with_apisix_messages()
    {
        var gateway = Gateway(
            Route("white", """{"basic-auth":{},"consumer-restriction":{"whitelist":["jack"]}}"""),
            Route("black", """{"basic-auth":{},"consumer-restriction":{"blacklist":["jack"],"rejected_code":401,"rejected_msg":"request is forbidden"}}"""),
            Route("noauth", """{"consumer-restriction":{"whitelist":["jack"]}}"""));

        Assert.Null((await gateway.RunAsync("/white", As("jack"))).Answered);
        var refused = await gateway.RunAsync("/white", As("jill"));
        Assert.Equal((403, """{"message":"The consumer_name is forbidden."}"""), (refused.Answered, refused.Body));
        var black = await gateway.RunAsync("/black", As("jack"));
        Assert.Equal((401, """{"message":"request is forbidden"}"""), (black.Answered, black.Body));
        Assert.Null((await gateway.RunAsync("/black", As("jill"))).Answered);
        var nobody = await gateway.RunAsync("/noauth");
        Assert.Equal((401, """{"message":"The request is rejected, please check the consumer_name for this request"}"""), (nobody.Answered, nobody.Body));
    }

    [Fact]
    public async Task By_consumer_group_route_and_service_id()
    {
        var gateway = Gateway(
            Route("group", """{"basic-auth":{},"consumer-restriction":{"type":"consumer_group_id","whitelist":["gold"]}}"""),
            Route("route", """{"consumer-restriction":{"type":"route_id","blacklist":["route"]}}"""),
            R(ResourceKind.Route, "svc", """{"id":"svc","uri":"/svc","service_id":"s1","plugins":{"consumer-restriction":{"type":"service_id","whitelist":["s2"]}}}"""),
            Route("nosvc", """{"consumer-restriction":{"type":"service_id","whitelist":["s1"]}}"""));

        Assert.Null((await gateway.RunAsync("/group", As("jack"))).Answered);
        Assert.Equal("""{"message":"The request is rejected, please check the consumer_group_id for this request"}""", (await gateway.RunAsync("/group", As("jill"))).Body);
        Assert.Equal("""{"message":"The route_id is forbidden."}""", (await gateway.RunAsync("/route")).Body);
        Assert.Equal("""{"message":"The service_id is forbidden."}""", (await gateway.RunAsync("/svc")).Body);
        Assert.Equal(401, (await gateway.RunAsync("/nosvc")).Answered);
    }

    [Fact]
    public async Task Allowed_by_methods_limits_a_user_to_its_methods_unless_whitelisted()
    {
        var gateway = Gateway(
            Route("m", """{"basic-auth":{},"consumer-restriction":{"allowed_by_methods":[{"user":"jack","methods":["POST"]}]}}"""),
            Route("mw", """{"basic-auth":{},"consumer-restriction":{"whitelist":["jack"],"allowed_by_methods":[{"user":"jack","methods":["POST"]}]}}"""));

        Assert.Equal(403, (await gateway.RunAsync("/m", As("jack"))).Answered);
        Assert.Null((await gateway.RunAsync("/m", As("jack"), method: "POST")).Answered);
        Assert.Null((await gateway.RunAsync("/m", As("jill"))).Answered); // no entry: any method
        Assert.Null((await gateway.RunAsync("/mw", As("jack"))).Answered);
    }
}
