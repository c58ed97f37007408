using System.Diagnostics;
using OrleansGateway.Contracts.Feed;
using OrleansGateway.DataPlane.Observability;

namespace OrleansGateway.DataPlane.Tests.Observability;

public sealed class DataPlaneTracingTests : IDisposable
{
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = s => s.Name == DataPlaneTracing.SourceName,
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    public DataPlaneTracingTests() => ActivitySource.AddActivityListener(_listener);

    public void Dispose() => _listener.Dispose();

    private static GroupChanged Hint(long version, string? traceParent) => new("g", version, version - 1, false, traceParent);

    [Fact]
    public void An_apply_after_a_hint_continues_the_writes_trace()
    {
        var tracing = new DataPlaneTracing();
        tracing.Remember(Hint(7, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));

        using var apply = tracing.StartApply("g", "control_plane", "a change hint", servedVersion: 6);
        Assert.NotNull(apply);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", apply.TraceId.ToHexString());
        Assert.Equal("b7ad6b7169203331", apply.ParentSpanId.ToHexString());
        DataPlaneTracing.Finish(apply, 7);
        Assert.Equal("applied", apply.GetTagItem("og.outcome"));
    }

    [Fact]
    public void A_hint_already_served_or_without_trace_context_starts_a_trace_of_its_own()
    {
        var tracing = new DataPlaneTracing();
        tracing.Remember(Hint(7, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
        tracing.Remember(Hint(8, null));
        tracing.Remember(Hint(9, "not a traceparent"));

        using var apply = tracing.StartApply("g", "control_plane", "the heartbeat", servedVersion: 7);
        Assert.NotNull(apply);
        Assert.Equal(default, apply.ParentSpanId);
        Assert.NotEqual("0af7651916cd43dd8448eb211c80319c", apply.TraceId.ToHexString());
    }

    [Fact]
    public void The_newest_hint_wins()
    {
        var tracing = new DataPlaneTracing();
        tracing.Remember(Hint(8, "00-11111111111111111111111111111111-2222222222222222-01"));
        tracing.Remember(Hint(7, "00-33333333333333333333333333333333-4444444444444444-01"));

        using var apply = tracing.StartApply("g", "control_plane", "a change hint", servedVersion: 6);
        Assert.Equal("11111111111111111111111111111111", apply!.TraceId.ToHexString());
    }
}
