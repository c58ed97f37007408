using OrleansGateway.DataPlane.Health;
using OrleansGateway.DataPlane.Proxy;

namespace OrleansGateway.DataPlane.Tests.Health;

public class NodeHealthTests
{
    private static readonly UpstreamNode A = new("a", 80, 1);
    private static readonly UpstreamNode B = new("b", 80, 1);

    [Fact]
    public void Consecutive_failures_of_one_kind_mark_a_node_unhealthy_and_successes_bring_it_back()
    {
        var health = new NodeHealth();
        Assert.False(health.Report(A, Observation.HttpFailure, 2, 3, 2, 3));
        Assert.False(health.Report(A, Observation.HttpFailure, 2, 3, 2, 3));
        Assert.True(health.Report(A, Observation.HttpFailure, 2, 3, 2, 3));
        Assert.False(health.IsHealthy(A));
        Assert.False(health.Report(A, Observation.Success, 2, 3, 2, 3));
        Assert.True(health.Report(A, Observation.Success, 2, 3, 2, 3));
        Assert.True(health.IsHealthy(A));
    }

    [Fact]
    public void A_success_resets_the_failure_count()
    {
        var health = new NodeHealth();
        health.Report(A, Observation.TcpFailure, 1, 5, 2, 3);
        health.Report(A, Observation.Success, 1, 5, 2, 3);
        health.Report(A, Observation.TcpFailure, 1, 5, 2, 3);
        Assert.True(health.IsHealthy(A));
    }

    [Fact]
    public void When_every_node_is_unhealthy_none_is_avoided()
    {
        var health = new NodeHealth();
        health.Report(A, Observation.TcpFailure, 1, 5, 1, 3);
        Assert.Equal([A], health.Unhealthy([A, B]));
        health.Report(B, Observation.TcpFailure, 1, 5, 1, 3);
        Assert.Empty(health.Unhealthy([A, B]));
    }
}
