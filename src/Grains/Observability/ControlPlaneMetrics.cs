using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using OrleansGateway.Grains.DataPlanes;

namespace OrleansGateway.Grains.Observability;

/// <summary>
/// The control plane's meter (<see cref="MeterName"/>), exported by the silo on <c>/metrics</c> and over OTLP. The
/// names are Prometheus-style so that both expositions read the same. Gauges describe what this silo holds: a group's
/// version and data planes are reported by the silo where its grains are active, a group's snapshot age by the silo
/// that holds its snapshot duty.
/// </summary>
public sealed class ControlPlaneMetrics
{
    public const string MeterName = "OrleansGateway.ControlPlane";

    private static readonly double[] SnapshotDurationBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly TimeProvider _time;
    private readonly Counter<long> _writes;
    private readonly Histogram<double> _snapshotDuration;
    private readonly Counter<long> _snapshotFailures;
    private readonly ConcurrentDictionary<string, long> _versions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastGoodSnapshot = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DataPlaneSightings> _dataPlanes = new(StringComparer.Ordinal);

    public ControlPlaneMetrics(IMeterFactory meters, TimeProvider time)
    {
        _time = time;
        Meter = meters.Create(MeterName);
        _writes = Meter.CreateCounter<long>("og_cp_admin_writes", description: "Admin API writes by gateway group, resource kind and outcome (ok, rejected, conflict, failed).");
        Meter.CreateObservableGauge("og_cp_group_version", ObserveVersions, description: "The gateway group's current version (modifiedIndex), from the silo holding the group.");
        // The SDK's default buckets are meant for milliseconds; snapshots take from milliseconds to a minute.
        _snapshotDuration = Meter.CreateHistogram("og_cp_snapshot_duration_seconds", unit: "s", description: "Duration of snapshot runs that uploaded or failed, by group and outcome.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SnapshotDurationBuckets });
        _snapshotFailures = Meter.CreateCounter<long>("og_cp_snapshot_failures", description: "Failed snapshot runs by group and failure kind.");
        Meter.CreateObservableGauge("og_cp_snapshot_age_seconds", ObserveSnapshotAges, unit: "s", description: "Seconds since the group's last good snapshot (uploaded or confirmed unchanged).");
        Meter.CreateObservableGauge("og_cp_dataplanes", ObserveDataPlanes, description: "Data planes of the group by status (healthy, lagging, lost), from their heartbeats.");
    }

    /// <summary>The meter (tests listen to this instance).</summary>
    public Meter Meter { get; }

    /// <summary>Counts one Admin API write by its HTTP status.</summary>
    public void AdminWrite(string group, string kind, int status) =>
        _writes.Add(1, new TagList { { "group", group }, { "kind", kind }, { "outcome", Outcome(status) } });

    /// <summary><c>ok</c> (2xx), <c>conflict</c> (409), <c>failed</c> (5xx), otherwise <c>rejected</c>.</summary>
    public static string Outcome(int status) => status switch
    {
        >= 200 and < 300 => "ok",
        409 => "conflict",
        >= 500 => "failed",
        _ => "rejected",
    };

    public void GroupVersion(string group, long version) => _versions[group] = version;

    /// <summary>The group is gone from this silo (deleted or deactivated): stop reporting it here.</summary>
    public void GroupGone(string group) => _versions.TryRemove(group, out _);

    public void SnapshotSucceeded(string group, DateTimeOffset snapshotAt, TimeSpan? uploadDuration)
    {
        _lastGoodSnapshot[group] = snapshotAt;
        if (uploadDuration is { } d)
        {
            _snapshotDuration.Record(d.TotalSeconds, new TagList { { "group", group }, { "outcome", "uploaded" } });
        }
    }

    public void SnapshotFailed(string group, string kind, TimeSpan duration)
    {
        _snapshotFailures.Add(1, new TagList { { "group", group }, { "kind", kind } });
        _snapshotDuration.Record(duration.TotalSeconds, new TagList { { "group", group }, { "outcome", "failed" } });
    }

    public void SnapshotsStopped(string group) => _lastGoodSnapshot.TryRemove(group, out _);

    /// <summary>The registry's latest view of a group's data planes; statuses are judged when observed.</summary>
    public void DataPlanes(string group, DataPlaneSightings sightings) => _dataPlanes[group] = sightings;

    public void DataPlanesGone(string group) => _dataPlanes.TryRemove(group, out _);

    private IEnumerable<Measurement<long>> ObserveVersions() =>
        _versions.Select(v => new Measurement<long>(v.Value, new KeyValuePair<string, object?>("group", v.Key)));

    private IEnumerable<Measurement<double>> ObserveSnapshotAges()
    {
        var now = _time.GetUtcNow();
        return _lastGoodSnapshot.Select(s => new Measurement<double>(Math.Max(0, (now - s.Value).TotalSeconds), new KeyValuePair<string, object?>("group", s.Key)));
    }

    private IEnumerable<Measurement<long>> ObserveDataPlanes()
    {
        var now = _time.GetUtcNow();
        foreach (var (group, sightings) in _dataPlanes)
        {
            foreach (var (status, count) in sightings.CountByStatus(now))
            {
                yield return new Measurement<long>(count, new KeyValuePair<string, object?>("group", group), new KeyValuePair<string, object?>("status", status));
            }
        }
    }
}
