using System.Diagnostics;
using OpenTelemetry.Trace;
using OrleansGateway.Configuration;

namespace OrleansGateway.Configuration.Tests;

public class TraceRootSamplerTests
{
    private static SamplingDecision Decide(string name, ActivityKind kind, ActivityContext parent = default) =>
        TraceRootSampler.Create().ShouldSample(new SamplingParameters(parent, ActivityTraceId.CreateRandom(), name, kind)).Decision;

    [Theory]
    [InlineData(TraceRootSampler.AspNetCoreRequest, ActivityKind.Server)]
    [InlineData("og.snapshot.run", ActivityKind.Internal)]
    [InlineData("og.dp.apply", ActivityKind.Consumer)]
    public void Admin_api_requests_and_our_operations_start_traces(string name, ActivityKind kind) =>
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(name, kind));

    [Theory]
    [InlineData("IMemoryStreamQueueGrain/Dequeue", ActivityKind.Client)]
    [InlineData("IDataPlaneRegistryGrain/Heartbeat", ActivityKind.Server)]
    public void Orleans_calls_without_a_parent_start_none(string name, ActivityKind kind) =>
        Assert.Equal(SamplingDecision.Drop, Decide(name, kind));

    [Fact]
    public void Orleans_calls_inside_a_sampled_trace_are_recorded()
    {
        var parent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);
        Assert.Equal(SamplingDecision.RecordAndSample, Decide("IGatewayGroupGrain/Put", ActivityKind.Server, parent));
    }
}
