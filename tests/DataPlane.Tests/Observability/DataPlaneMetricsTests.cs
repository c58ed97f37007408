using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OrleansGateway.Configuration;
using OrleansGateway.DataPlane.Observability;
using OrleansGateway.DataPlane.Proxy;
using OrleansGateway.DataPlane.Sources;
using OrleansGateway.TestSupport;

namespace OrleansGateway.DataPlane.Tests.Observability;

public class DataPlaneMetricsTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private const string Resources = """{"upstreams":[{"id":"u1","nodes":{"127.0.0.1:1980":1}}],"routes":[{"id":"r1","uri":"/a","upstream_id":"u1"},{"id":"r2","uri":"/b","upstream_id":"u1"}]}""";

    private sealed record Setup(DataPlaneMetrics Metrics, ProxyConfigHolder Holder, DataPlaneStatus Status, ManualTime Time, MeterRecorder Recorder);

    private static Setup Create()
    {
        var time = new ManualTime(Start);
        var holder = new ProxyConfigHolder();
        var status = new DataPlaneStatus();
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        var metrics = new DataPlaneMetrics(new GatewayConfig { GatewayGroupId = "g\"1" }, holder, status, time, meters);
        holder.Applied += metrics.Applied;
        return new Setup(metrics, holder, status, time, new MeterRecorder(metrics.Meter));
    }

    private static void Apply(Setup s, long version, string source) =>
        Assert.True(s.Holder.TryApply(ProxyConfig.Build(Resources, version, source, s.Time.GetUtcNow())));

    [Fact]
    public void Before_any_configuration_the_data_plane_reports_empty_and_never_synced()
    {
        var s = Create();
        var text = s.Metrics.Render();
        Assert.Contains("og_dp_mode{group=\"g\\\"1\",mode=\"empty\"} 1\n", text);
        Assert.Contains("og_dp_seconds_since_sync{group=\"g\\\"1\"} -1.0\n", text);
        Assert.Contains("og_dp_config_age_seconds{group=\"g\\\"1\"} -1.0\n", text);
        Assert.Equal(-1, Assert.Single(s.Recorder.Observe("og_dp_seconds_since_sync")).Value);
    }

    [Fact]
    public void Requests_switches_version_and_mode_read_the_same_in_prometheus_text_and_instruments()
    {
        var s = Create();
        Apply(s, 3, "cache");
        s.Status.SetMode("cache", controlPlaneConnected: false);
        Apply(s, 5, "control_plane");
        s.Status.SetMode("control_plane", controlPlaneConnected: true);
        s.Metrics.Request("r1", 200);
        s.Metrics.Request("r1", 200);
        s.Metrics.Request("", 404);

        var text = s.Metrics.Render();
        Assert.Contains("og_dp_requests_total{group=\"g\\\"1\",route=\"r1\",status=\"200\"} 2\n", text);
        Assert.Contains("og_dp_requests_total{group=\"g\\\"1\",route=\"\",status=\"404\"} 1\n", text);
        Assert.Contains("og_dp_config_version{group=\"g\\\"1\"} 5\n", text);
        Assert.Contains("og_dp_mode{group=\"g\\\"1\",mode=\"control_plane\"} 1\n", text);
        Assert.Contains("og_dp_mode{group=\"g\\\"1\",mode=\"cache\"} 0\n", text);
        Assert.Contains("og_dp_source_switches_total{group=\"g\\\"1\"} 1\n", text);
        Assert.Contains("og_dp_control_plane_connected{group=\"g\\\"1\"} 1\n", text);
        Assert.Contains("og_dp_routes{group=\"g\\\"1\"} 2\n", text);

        var requests = s.Recorder.Observe("og_dp_requests");
        Assert.Equal(2, MeterRecorder.Value(requests, ("group", "g\"1"), ("route", "r1"), ("status", "200")));
        Assert.Equal(1, MeterRecorder.Value(requests, ("route", ""), ("status", "404")));
        Assert.Equal(5, Assert.Single(s.Recorder.Observe("og_dp_config_version")).Value);
        Assert.Equal(1, MeterRecorder.Value(s.Recorder.Observe("og_dp_mode"), ("mode", "control_plane")));
        Assert.Equal(0, MeterRecorder.Value(s.Recorder.Observe("og_dp_mode"), ("mode", "fallback")));
        Assert.Equal(1, Assert.Single(s.Recorder.Observe("og_dp_source_switches")).Value);
        Assert.Equal(2, Assert.Single(s.Recorder.Observe("og_dp_routes")).Value);
    }

    [Fact]
    public void Seconds_since_sync_restarts_on_every_confirmation_while_config_age_counts_from_the_apply()
    {
        var s = Create();
        Apply(s, 1, "control_plane");
        s.Time.Advance(TimeSpan.FromSeconds(30));
        s.Status.Synced(s.Time.GetUtcNow()); // a heartbeat: the CP is at the served version
        s.Time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(2, Assert.Single(s.Recorder.Observe("og_dp_seconds_since_sync")).Value);
        Assert.Equal(32, Assert.Single(s.Recorder.Observe("og_dp_config_age_seconds")).Value);
        Assert.Contains("og_dp_seconds_since_sync{group=\"g\\\"1\"} 2.0\n", s.Metrics.Render());

        s.Time.Advance(TimeSpan.FromSeconds(8));
        s.Status.RecordPoll(s.Time.GetUtcNow(), "unreachable", "down");
        Assert.Equal(10, Assert.Single(s.Recorder.Observe("og_dp_seconds_since_sync")).Value);
        s.Status.RecordPoll(s.Time.GetUtcNow(), "not_newer");
        Assert.Equal(0, Assert.Single(s.Recorder.Observe("og_dp_seconds_since_sync")).Value);
    }

    [Fact]
    public void Refused_snapshots_are_counted_in_both_expositions()
    {
        var s = Create();
        s.Status.RecordPoll(Start, "refused", "hash mismatch");
        s.Status.RecordPoll(Start, "refused", "hash mismatch");
        Assert.Contains("og_dp_refused_snapshots_total{group=\"g\\\"1\"} 2\n", s.Metrics.Render());
        Assert.Equal(2, Assert.Single(s.Recorder.Observe("og_dp_refused_snapshots")).Value);
    }
}
