using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using OrleansGateway.Configuration;
using OrleansGateway.DataPlane.Proxy;
using OrleansGateway.DataPlane.Sources;

namespace OrleansGateway.DataPlane.Observability;

/// <summary>
/// The data plane's metrics, from one set of counters in two expositions: Prometheus text on <c>/metrics</c> of the
/// status port (<see cref="Render"/>), and observable instruments of the meter <see cref="MeterName"/> with the same
/// names, exported over OTLP when configured. Requests by route and status, the applied version and its age, seconds
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
        Meter.CreateObservableCounter("og_dp_requests", ObserveRequests, description: "Proxied requests by route and response status.");
        Meter.CreateObservableGauge("og_dp_config_version", () => new Measurement<long>(_holder.Current.Version, _group), description: "The applied configuration version (the group's modifiedIndex).");
        Meter.CreateObservableGauge("og_dp_seconds_since_sync", () => new Measurement<double>(SecondsSinceSync(), _group), description: "Seconds since the configuration was last confirmed current with its source (-1: never).");
        Meter.CreateObservableGauge("og_dp_config_age_seconds", () => new Measurement<double>(ConfigAge(), _group), unit: "s", description: "Seconds since a configuration was last applied (-1: none yet).");
        Meter.CreateObservableGauge("og_dp_mode", ObserveModes, description: "Where the configuration comes from (1 for the current mode).");
        Meter.CreateObservableGauge("og_dp_control_plane_connected", () => new Measurement<int>(_status.ControlPlaneConnected ? 1 : 0, _group), description: "1 when connected to the control plane.");
        Meter.CreateObservableCounter("og_dp_source_switches", () => new Measurement<long>(Interlocked.Read(ref _switches), _group), description: "Changes of configuration source.");
        Meter.CreateObservableCounter("og_dp_refused_snapshots", () => new Measurement<long>(_status.RefusedSnapshots, _group), description: "Snapshots refused by verification (hash, format, key).");
        Meter.CreateObservableGauge("og_dp_routes", () => new Measurement<int>(_holder.Current.Routes.Count, _group), description: "Routes in the applied configuration.");
    }

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

    private IEnumerable<Measurement<long>> ObserveRequests() =>
        _requests.Select(r => new Measurement<long>(r.Value, _group, new("route", r.Key.Route), new("status", r.Key.Status.ToString(CultureInfo.InvariantCulture))));

    private IEnumerable<Measurement<int>> ObserveModes()
    {
        var mode = Mode;
        return Modes.Select(m => new Measurement<int>(m == mode ? 1 : 0, _group, new("mode", m)));
    }

    public string Render()
    {
        var current = _holder.Current;
        var group = Escape(_config.GatewayGroupId);
        var text = new StringBuilder();
        Header(text, "og_dp_requests_total", "counter", "Proxied requests by route and response status.");
        foreach (var ((route, code), count) in _requests.OrderBy(r => r.Key.Route, StringComparer.Ordinal).ThenBy(r => r.Key.Status))
        {
            text.Append(CultureInfo.InvariantCulture, $"og_dp_requests_total{{group=\"{group}\",route=\"{Escape(route)}\",status=\"{code}\"}} {count}\n");
        }
        Gauge(text, group, "og_dp_config_version", "The applied configuration version (the group's modifiedIndex).", current.Version.ToString(CultureInfo.InvariantCulture));
        Gauge(text, group, "og_dp_seconds_since_sync", "Seconds since the configuration was last confirmed current with its source (-1: never).", SecondsSinceSync().ToString("F1", CultureInfo.InvariantCulture));
        Gauge(text, group, "og_dp_config_age_seconds", "Seconds since a configuration was last applied (-1: none yet).", ConfigAge().ToString("F1", CultureInfo.InvariantCulture));
        Header(text, "og_dp_mode", "gauge", "Where the configuration comes from (1 for the current mode).");
        var mode = Mode;
        foreach (var m in Modes)
        {
            text.Append(CultureInfo.InvariantCulture, $"og_dp_mode{{group=\"{group}\",mode=\"{m}\"}} {(m == mode ? 1 : 0)}\n");
        }
        Gauge(text, group, "og_dp_control_plane_connected", "1 when connected to the control plane.", _status.ControlPlaneConnected ? "1" : "0");
        Gauge(text, group, "og_dp_source_switches_total", "Changes of configuration source.", Interlocked.Read(ref _switches).ToString(CultureInfo.InvariantCulture), "counter");
        Gauge(text, group, "og_dp_refused_snapshots_total", "Snapshots refused by verification (hash, format, key).", _status.RefusedSnapshots.ToString(CultureInfo.InvariantCulture), "counter");
        Gauge(text, group, "og_dp_routes", "Routes in the applied configuration.", current.Routes.Count.ToString(CultureInfo.InvariantCulture));
        return text.ToString();
    }

    private static void Header(StringBuilder text, string name, string type, string help) =>
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n");

    /// <summary>One series labelled only by group.</summary>
    private static void Gauge(StringBuilder text, string group, string name, string help, string value, string type = "gauge")
    {
        Header(text, name, type, help);
        text.Append(CultureInfo.InvariantCulture, $"{name}{{group=\"{group}\"}} {value}\n");
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
