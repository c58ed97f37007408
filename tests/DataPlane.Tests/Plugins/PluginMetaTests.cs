using static OrleansGateway.DataPlane.Tests.Plugins.PluginHarness;

namespace OrleansGateway.DataPlane.Tests.Plugins;

/// <summary>APISIX's <c>_meta</c> on any plugin: <c>disable</c>, <c>priority</c>, <c>filter</c>, <c>error_response</c>.</summary>
public class PluginMetaTests
{
    [Fact]
    public async Task A_filter_runs_the_plugin_only_where_its_expression_holds()
    {
        var gateway = new PluginHarness(Route("f", """{"uri-blocker":{"block_rules":["."],"_meta":{"filter":[["arg_version","==","v2"]]}}}"""));
        Assert.Null((await gateway.RunAsync("/f?version=v1")).Answered);
        Assert.Equal(403, (await gateway.RunAsync("/f?version=v2")).Answered);
    }

    [Fact]
    public async Task Error_response_replaces_the_body_of_a_plugins_error_answer()
    {
        var gateway = new PluginHarness(Route("e", """{"key-auth":{"_meta":{"error_response":{"message":"who are you?"}}}}"""));
        var refused = await gateway.RunAsync("/e");
        Assert.Equal((401, """{"message":"who are you?"}"""), (refused.Answered, refused.Body));
    }

    [Fact]
    public async Task Priority_reorders_plugins_within_their_phase_and_disable_leaves_one_out()
    {
        // fault-injection (11000) normally answers before uri-blocker (2900); lowered below it, the blocker answers first.
        var gateway = new PluginHarness(
            Route("p", """{"fault-injection":{"abort":{"http_status":418},"_meta":{"priority":100}},"uri-blocker":{"block_rules":["."],"rejected_code":451}}"""),
            Route("d", """{"fault-injection":{"abort":{"http_status":418},"_meta":{"disable":true}},"uri-blocker":{"block_rules":["."],"rejected_code":451}}"""),
            Route("n", """{"fault-injection":{"abort":{"http_status":418}},"uri-blocker":{"block_rules":["."],"rejected_code":451}}"""));
        Assert.Equal(451, (await gateway.RunAsync("/p")).Answered);
        Assert.Equal(451, (await gateway.RunAsync("/d")).Answered);
        Assert.Equal(418, (await gateway.RunAsync("/n")).Answered);
    }
}
