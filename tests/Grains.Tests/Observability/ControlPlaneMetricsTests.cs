using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics.Metrics;
using OrleansGateway.Grains.DataPlanes;
using OrleansGateway.Grains.Observability;
using OrleansGateway.TestSupport;

namespace OrleansGateway.Grains.Tests.Observability;

public class ControlPlaneMetricsTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static (ControlPlaneMetrics Metrics, MeterRecorder Recorder, ManualTime Time) Create()
    {
        var time = new ManualTime(Start);
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        var metrics = new ControlPlaneMetrics(meters, time);
        return (metrics, new MeterRecorder(metrics.Meter), time);
    }

    [Theory]
    [InlineData(200, "ok")]
    [InlineData(201, "ok")]
    [InlineData(400, "rejected")]
    [InlineData(404, "rejected")]
    [InlineData(409, "conflict")]
    [InlineData(503, "failed")]
    public void Outcome_is_named_by_status_class(int status, string outcome) =>
        Assert.Equal(outcome, ControlPlaneMetrics.Outcome(status));

    [Fact]
    public void Admin_writes_are_counted_by_group_kind_and_outcome()
    {
        var (metrics, recorder, _) = Create();
        metrics.AdminWrite("g1", "routes", 201);
        metrics.AdminWrite("g1", "routes", 200);
        metrics.AdminWrite("g1", "routes", 400);
        metrics.AdminWrite("g2", "upstreams", 503);

        var writes = recorder.Recorded("og_cp_admin_writes");
        Assert.Equal(4, writes.Count);
        Assert.Equal(2, writes.Count(w => w.Tags["group"] == "g1" && w.Tags["kind"] == "routes" && w.Tags["outcome"] == "ok"));
        Assert.Single(writes, w => w.Tags["group"] == "g1" && w.Tags["outcome"] == "rejected");
        Assert.Single(writes, w => w.Tags["group"] == "g2" && w.Tags["kind"] == "upstreams" && w.Tags["outcome"] == "failed");
    }

    [Fact]
    public void Group_version_follows_commits_and_disappears_when_the_group_leaves_the_silo()
    {
        var (metrics, recorder, _) = Create();
        metrics.GroupVersion("g1", 3);
        metrics.GroupVersion("g1", 7);
        metrics.GroupVersion("g2", 1);
        var versions = recorder.Observe("og_cp_group_version");
        Assert.Equal(7, MeterRecorder.Value(versions, ("group", "g1")));
        Assert.Equal(1, MeterRecorder.Value(versions, ("group", "g2")));

        metrics.GroupGone("g1");
        Assert.Null(MeterRecorder.Value(recorder.Observe("og_cp_group_version"), ("group", "g1")));
    }

    [Fact]
    public void Snapshot_age_grows_from_the_last_good_snapshot_and_failures_are_counted_with_their_duration()
    {
        var (metrics, recorder, time) = Create();
        metrics.SnapshotSucceeded("g1", Start, TimeSpan.FromMilliseconds(250));
        time.Advance(TimeSpan.FromSeconds(42));
        metrics.SnapshotFailed("g1", "unreachable", TimeSpan.FromSeconds(2));

        Assert.Equal(42, MeterRecorder.Value(recorder.Observe("og_cp_snapshot_age_seconds"), ("group", "g1")));
        var failure = Assert.Single(recorder.Recorded("og_cp_snapshot_failures"));
        Assert.Equal(("g1", "unreachable"), (failure.Tags["group"], failure.Tags["kind"]));
        var durations = recorder.Recorded("og_cp_snapshot_duration_seconds");
        Assert.Equal(0.25, MeterRecorder.Value(durations, ("outcome", "uploaded")));
        Assert.Equal(2, MeterRecorder.Value(durations, ("outcome", "failed")));

        metrics.SnapshotsStopped("g1");
        Assert.Empty(recorder.Observe("og_cp_snapshot_age_seconds"));
    }

    [Fact]
    public void Data_planes_are_counted_by_status_judged_when_read()
    {
        var (metrics, recorder, time) = Create();
        var sightings = new DataPlaneSightings([(Start, 5), (Start, 4), (Start - TimeSpan.FromSeconds(10), 5)], GroupVersion: 5);
        metrics.DataPlanes("g1", sightings);

        var now = recorder.Observe("og_cp_dataplanes");
        Assert.Equal(2, MeterRecorder.Value(now, ("group", "g1"), ("status", "healthy")));
        Assert.Equal(1, MeterRecorder.Value(now, ("group", "g1"), ("status", "lagging")));
        Assert.Equal(0, MeterRecorder.Value(now, ("group", "g1"), ("status", "lost")));

        time.Advance(TimeSpan.FromSeconds(6)); // the third has now been silent for 16 s
        var later = recorder.Observe("og_cp_dataplanes");
        Assert.Equal(1, MeterRecorder.Value(later, ("group", "g1"), ("status", "healthy")));
        Assert.Equal(1, MeterRecorder.Value(later, ("group", "g1"), ("status", "lost")));

        time.Advance(DataPlaneSightings.Forget);
        Assert.All(recorder.Observe("og_cp_dataplanes"), m => Assert.Equal(0, m.Value));
    }
}
