using OrleansGateway.TestSupport;
using static OrleansGateway.DataPlane.Tests.Plugins.PluginHarness;

namespace OrleansGateway.DataPlane.Tests.Plugins.Limits;

/// <summary>The limits counted in a real Redis (and a real Redis Cluster): shared between gateways, degraded as APISIX when Redis is gone.</summary>
public sealed class RedisLimitTests : IAsyncLifetime
{
    private RedisProcess _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisProcess.StartAsync(password: "redis-pass");

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    private string Redis() =>
        $"\"policy\":\"redis\",\"redis_host\":\"127.0.0.1\",\"redis_port\":{_redis.Port},\"redis_password\":\"redis-pass\",\"redis_timeout\":500";

    [Fact]
    public async Task Two_gateways_share_a_limit_count_and_the_counter_lives_in_redis()
    {
        var route = Route("shared", $$$"""{"limit-count":{"count":3,"time_window":60,"rejected_code":429,{{{Redis()}}}}}""");
        var one = new PluginHarness(route);
        var two = new PluginHarness(route);

        Assert.Null((await one.RunAsync("/shared")).Answered);
        var second = await two.RunAsync("/shared");
        Assert.Equal((null, "3", "1"), (second.Answered, second.ResponseHeaders["X-RateLimit-Limit"].ToString(), second.ResponseHeaders["X-RateLimit-Remaining"].ToString()));
        Assert.Null((await one.RunAsync("/shared")).Answered);
        var refused = await two.RunAsync("/shared");
        Assert.Equal((429, "0"), (refused.Answered, refused.ResponseHeaders["X-RateLimit-Remaining"].ToString()));
        Assert.InRange(int.Parse(refused.ResponseHeaders["X-RateLimit-Reset"].ToString()), 1, 60);
        Assert.Equal(":1\r\n", await _redis.CommandAsync("DBSIZE")); // one counter, in Redis
    }

    [Fact]
    public async Task When_redis_is_unreachable_limit_count_answers_500_or_lets_requests_through_with_allow_degradation()
    {
        var dead = FreePorts.Next();
        var gateway = new PluginHarness(
            Route("strict", $$$"""{"limit-count":{"count":1,"time_window":60,"policy":"redis","redis_host":"127.0.0.1","redis_port":{{{dead}}},"redis_timeout":300}}"""),
            Route("lenient", $$$"""{"limit-count":{"count":1,"time_window":60,"policy":"redis","redis_host":"127.0.0.1","redis_port":{{{dead}}},"redis_timeout":300,"allow_degradation":true}}"""),
            Route("req", $$$"""{"limit-req":{"rate":1,"burst":0,"key":"remote_addr","policy":"redis","redis_host":"127.0.0.1","redis_port":{{{dead}}},"redis_timeout":300}}"""),
            Route("conn", $$$"""{"limit-conn":{"conn":1,"burst":0,"default_conn_delay":0.1,"key":"remote_addr","allow_degradation":true,"policy":"redis","redis_host":"127.0.0.1","redis_port":{{{dead}}},"redis_timeout":300}}"""));

        var strict = await gateway.RunAsync("/strict");
        Assert.Equal((500, """{"error_msg":"failed to limit count"}"""), (strict.Answered, strict.Body));
        Assert.Equal([null, null], new[] { (await gateway.RunAsync("/lenient")).Answered, (await gateway.RunAsync("/lenient")).Answered });
        Assert.Equal(500, (await gateway.RunAsync("/req")).Answered);
        Assert.Null((await gateway.RunAsync("/conn")).Answered);
    }

    [Fact]
    public async Task A_wrong_password_is_a_redis_failure_not_a_pass()
    {
        var gateway = new PluginHarness(Route("wrong", $$$"""{"limit-count":{"count":5,"time_window":60,"policy":"redis","redis_host":"127.0.0.1","redis_port":{{{_redis.Port}}},"redis_password":"nope","redis_timeout":500}}"""));
        Assert.Equal(500, (await gateway.RunAsync("/wrong")).Answered);
    }

    [Fact]
    public async Task Limit_req_and_limit_conn_count_in_redis_across_gateways()
    {
        var req = Route("req", $$$"""{"limit-req":{"rate":0.1,"burst":0,"key":"remote_addr","nodelay":true,{{{Redis()}}}}}""");
        var conn = Route("conn", $$$"""{"limit-conn":{"conn":1,"burst":0,"default_conn_delay":0.1,"key":"remote_addr",{{{Redis()}}}}}""");
        var one = new PluginHarness(req, conn);
        var two = new PluginHarness(req, conn);

        Assert.Null((await one.RunAsync("/req")).Answered);
        Assert.Equal(503, (await two.RunAsync("/req")).Answered);

        var held = await one.RunAsync("/conn", complete: false);
        Assert.Null(held.Answered);
        Assert.Equal(503, (await two.RunAsync("/conn")).Answered);
        held.Complete(); // the slot is given back in Redis (fire and forget): wait for it
        var deadline = DateTime.UtcNow.AddSeconds(10);
        int? status = 503;
        while (status == 503 && DateTime.UtcNow < deadline)
        {
            status = (await two.RunAsync("/conn")).Answered;
            await Task.Delay(20);
        }
        Assert.Null(status);
    }
}

/// <summary>limit-count on a real three-node Redis Cluster.</summary>
public sealed class RedisClusterLimitTests : IAsyncLifetime
{
    private IReadOnlyList<RedisProcess> _nodes = [];

    public async Task InitializeAsync() => _nodes = await RedisProcess.StartClusterAsync();

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task Two_gateways_share_a_limit_on_a_redis_cluster_whatever_the_slot_of_the_key()
    {
        var nodes = string.Join(',', _nodes.Select(n => $"\"{n.Address}\""));
        var route = Route("cluster", $$$"""{"limit-count":{"count":2,"time_window":60,"key":"http_user","policy":"redis-cluster","redis_cluster_nodes":[{{{nodes}}}],"redis_cluster_name":"test","redis_timeout":1000}}""");
        var one = new PluginHarness(route);
        var two = new PluginHarness(route);
        // Several users: their counters hash to different slots, so different nodes.
        foreach (var user in new[] { "alice", "bob", "carol", "dave" })
        {
            Action<Microsoft.AspNetCore.Http.HttpRequest> as_ = r => r.Headers["user"] = user;
            Assert.Equal([null, null, 503], new[]
            {
                (await one.RunAsync("/cluster", as_)).Answered, (await two.RunAsync("/cluster", as_)).Answered, (await one.RunAsync("/cluster", as_)).Answered,
            });
        }
    }
}
