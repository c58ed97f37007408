using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using OrleansGateway.Configuration;
using OrleansGateway.DataPlane.Proxy;
using OrleansGateway.DataPlane.Sources;

namespace OrleansGateway.DataPlane.Observability;

/// <summary>
/// The data plane's metrics, each defined once (<see cref="Metric"/>) and read by two expositions: Prometheus text on
/// <c>/metrics</c> of the status port (<see cref="Render"/>), and observable instruments of the meter
/// <see cref="MeterName"/> with the same names, exported over OTLP when configured. Requests by route and status, the applied version and its age, seconds
/// since the last successful sync, the mode, source switches and refused snapshots.
/// </summary>
public sealed class DataPlaneMetrics
{
    public const string MeterName = "OrleansGateway.DataPlane";

    private static readonly string[] Modes = ["control_plane", "fallback", "standalone", "cache", "empty"];
    private readonly GatewayConfig _config;
    private readonly ProxyConfigHolder _holder;
    private readonly DataPlaneStatus _status;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<(string Route, int Status), long> _requests = new();
    private readonly KeyValuePair<string, object?> _group;
    private readonly Metric[] _metrics;
    private long _switches;
    private string? _lastSource;

    public DataPlaneMetrics(GatewayConfig config, ProxyConfigHolder holder, DataPlaneStatus status, TimeProvider time, IMeterFactory meters)
    {
        _config = config;
        _holder = holder;
        _status = status;
        _time = time;
        _group = new("group", config.GatewayGroupId);
        Meter = meters.Create(MeterName);
        _metrics =
        [
            new("og_dp_requests", Counter: true, "Proxied requests by route and response status.", "0", () => _requests
                .OrderBy(r => r.Key.Route, StringComparer.Ordinal).ThenBy(r => r.Key.Status)
                .Select(r => new Series(r.Value, [("route", r.Key.Route), ("status", r.Key.Status.ToString(CultureInfo.InvariantCulture))]))),
            new("og_dp_config_version", Counter: false, "The applied configuration version (the group's modifiedIndex).", "0", () => One(_holder.Current.Version)),
            new("og_dp_seconds_since_sync", Counter: false, "Seconds since the configuration was last confirmed current with its source (-1: never).", "F1", () => One(SecondsSinceSync())),
            new("og_dp_config_age_seconds", Counter: false, "Seconds since a configuration was last applied (-1: none yet).", "F1", () => One(ConfigAge()), Unit: "s"),
            new("og_dp_mode", Counter: false, "Where the configuration comes from (1 for the current mode).", "0", () =>
            {
                var mode = Mode;
                return Modes.Select(m => new Series(m == mode ? 1 : 0, [("mode", m)]));
            }),
            new("og_dp_control_plane_connected", Counter: false, "1 when connected to the control plane.", "0", () => One(_status.ControlPlaneConnected ? 1 : 0)),
            new("og_dp_source_switches", Counter: true, "Changes of configuration source.", "0", () => One(Interlocked.Read(ref _switches))),
            new("og_dp_refused_snapshots", Counter: true, "Snapshots refused by verification (hash, format, key).", "0", () => One(_status.RefusedSnapshots)),
            new("og_dp_routes", Counter: false, "Routes in the applied configuration.", "0", () => One(_holder.Current.Routes.Count)),
            new("og_dp_allocated_bytes", Counter: true, "Bytes the process has allocated since it started (the GC's count).", "0", () => One(GC.GetTotalAllocatedBytes()), Unit: "By"),
        ];
        foreach (var metric in _metrics)
        {
            if (metric.Counter)
            {
                Meter.CreateObservableCounter(metric.Name, () => Measure(metric), metric.Unit, metric.Help);
            }
            else
            {
                Meter.CreateObservableGauge(metric.Name, () => Measure(metric), metric.Unit, metric.Help);
            }
        }
    }

    /// <summary>
    /// One metric: its name (Prometheus adds <c>_total</c> to a counter's), help, how Prometheus prints its values, and
    /// its series (labels besides <c>group</c>, which every series has).
    /// </summary>
    private sealed record Metric(string Name, bool Counter, string Help, string Format, Func<IEnumerable<Series>> Read, string? Unit = null);

    private readonly record struct Series(double Value, (string Key, string Value)[] Labels);

    private static Series[] One(double value) => [new(value, [])];

    private IEnumerable<Measurement<double>> Measure(Metric metric) =>
        metric.Read().Select(s => new Measurement<double>(s.Value, [_group, .. s.Labels.Select(l => new KeyValuePair<string, object?>(l.Key, l.Value))]));

    /// <summary>The meter (tests listen to this instance).</summary>
    public Meter Meter { get; }

    /// <summary>Counts a finished request; <paramref name="route"/> is empty when none matched.</summary>
    public void Request(string route, int statusCode) =>
        _requests.AddOrUpdate((route, statusCode), 1, (_, n) => n + 1);

    /// <summary>Counts a change of configuration source (control plane ↔ fallback …).</summary>
    public void Applied(ProxyConfig applied)
    {
        var previous = Interlocked.Exchange(ref _lastSource, applied.Source);
        if (previous is not null && previous != applied.Source)
        {
            Interlocked.Increment(ref _switches);
        }
    }

    private string Mode => _holder.Current.Source == "empty" ? "empty" : _status.Mode;

    private double ConfigAge()
    {
        var current = _holder.Current;
        return current.Source == "empty" ? -1 : Math.Round((_time.GetUtcNow() - current.AppliedAt).TotalSeconds, 1);
    }

    /// <summary>Since the last CP answer or store poll that left the data plane current, or the last apply.</summary>
    private double SecondsSinceSync()
    {
        var current = _holder.Current;
        DateTimeOffset? last = current.Source == "empty" ? null : current.AppliedAt;
        if (_status.LastSyncAt is { } synced && (last is null || synced > last))
        {
            last = synced;
        }
        return last is { } at ? Math.Round(Math.Max(0, (_time.GetUtcNow() - at).TotalSeconds), 1) : -1;
    }

    public string Render()
    {
        var group = Escape(_config.GatewayGroupId);
        var text = new StringBuilder();
        foreach (var metric in _metrics)
        {
            var name = metric.Counter ? metric.Name + "_total" : metric.Name;
            Header(text, name, metric.Counter ? "counter" : "gauge", metric.Help);
            foreach (var series in metric.Read())
            {
                text.Append(CultureInfo.InvariantCulture, $"{name}{{group=\"{group}\"");
                foreach (var (key, value) in series.Labels)
                {
                    text.Append(CultureInfo.InvariantCulture, $",{key}=\"{Escape(value)}\"");
                }
                text.Append(CultureInfo.InvariantCulture, $"}} {series.Value.ToString(metric.Format, CultureInfo.InvariantCulture)}\n");
            }
        }
        return text.ToString();
    }

    private static void Header(StringBuilder text, string name, string type, string help) =>
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n");

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
