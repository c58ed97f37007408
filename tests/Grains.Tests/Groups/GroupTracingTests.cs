using System.Diagnostics;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Feed;
using OrleansGateway.Grains.Observability;

namespace OrleansGateway.Grains.Tests.Groups;

[Collection(ClusterCollection.Name)]
public class GroupTracingTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_write_in_a_trace_pushes_its_change_with_that_trace_and_records_write_and_commit_spans()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is ControlPlaneTracing.SourceName or "Microsoft.Orleans.Runtime" or "test.admin-api",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (spans) { spans.Add(a); } },
        };
        ActivitySource.AddActivityListener(listener);
        var id = "t-" + Guid.NewGuid().ToString("N")[..12];
        var grain = fixture.Grains.GetGrain<IGatewayGroupGrain>(id);
        await grain.Create(null, null);
        await using var follower = await FeedListener.StartAsync(fixture.Client, id);
        using var source = new ActivitySource("test.admin-api");
        {
            ActivityTraceId traceId;
            using (var request = source.StartActivity("PUT /apisix/admin/upstreams/u1"))
            {
                traceId = request!.TraceId;
                Assert.Equal(201, (await grain.Put(ResourceKind.Upstream, "u1", """{"nodes":{"127.0.0.1:1":1}}""")).Status);
            }

            var change = await follower.NextAsync();
            Assert.True(TraceContext.TryParse(change.TraceParent, change.TraceState, out var context), change.TraceParent);
            lock (spans)
            {
                // On failure, the spans say where the trace broke (Orleans' grain-call spans sit in between).
                Assert.True(traceId == context.TraceId, $"the change hint is in trace {context.TraceId}, not the caller's {traceId}; spans:\n"
                    + string.Join("\n", spans.Select(s => $"{s.Source.Name} {s.OperationName} trace {s.TraceId} parent {s.ParentSpanId} span {s.SpanId}")));
            }
            lock (spans)
            {
                var write = Assert.Single(spans, s => s.OperationName == "og.group.write" && Equals(s.GetTagItem("og.group"), id));
                Assert.Equal(traceId, write.TraceId);
                Assert.Equal(context.SpanId, write.SpanId);
                Assert.Equal("ok", write.GetTagItem("og.outcome"));
                Assert.Equal(1L, write.GetTagItem("og.version"));
                var commit = Assert.Single(spans, s => s.OperationName == "og.group.commit" && Equals(s.GetTagItem("og.group"), id));
                Assert.Equal(traceId, commit.TraceId);
            }
        }
    }
}
