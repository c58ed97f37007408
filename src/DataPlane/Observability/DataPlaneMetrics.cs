using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using OrleansGateway.Configuration;
using OrleansGateway.DataPlane.Proxy;
using OrleansGateway.DataPlane.Sources;

namespace OrleansGateway.DataPlane.Observability;

/// <summary>
/// The data plane's counters, exposed in Prometheus text format on <c>/metrics</c> of the status port: requests by
/// route and status, the applied version and its age, the mode, source switches and refused snapshots.
/// </summary>
public sealed class DataPlaneMetrics(GatewayConfig config, ProxyConfigHolder holder, DataPlaneStatus status, TimeProvider time)
{
    private static readonly string[] Modes = ["control_plane", "fallback", "standalone", "cache", "empty"];
    private readonly ConcurrentDictionary<(string Route, int Status), long> _requests = new();
    private long _switches;
    private string? _lastSource;

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

    public string Render()
    {
        var current = holder.Current;
        var group = Escape(config.GatewayGroupId);
        var text = new StringBuilder();
        text.Append("# HELP og_dp_requests_total Proxied requests by route and response status.\n# TYPE og_dp_requests_total counter\n");
        foreach (var ((route, code), count) in _requests.OrderBy(r => r.Key.Route, StringComparer.Ordinal).ThenBy(r => r.Key.Status))
        {
            text.Append(CultureInfo.InvariantCulture, $"og_dp_requests_total{{group=\"{group}\",route=\"{Escape(route)}\",status=\"{code}\"}} {count}\n");
        }
        text.Append("# HELP og_dp_config_version The applied configuration version (the group's modifiedIndex).\n# TYPE og_dp_config_version gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"og_dp_config_version{{group=\"{group}\"}} {current.Version}\n");
        text.Append("# HELP og_dp_seconds_since_sync Seconds since a configuration was last applied.\n# TYPE og_dp_seconds_since_sync gauge\n");
        var age = current.Source == "empty" ? -1 : (time.GetUtcNow() - current.AppliedAt).TotalSeconds;
        text.Append(CultureInfo.InvariantCulture, $"og_dp_seconds_since_sync{{group=\"{group}\"}} {age:F1}\n");
        text.Append("# HELP og_dp_mode Where the configuration comes from (1 for the current mode).\n# TYPE og_dp_mode gauge\n");
        var mode = current.Source == "empty" ? "empty" : status.Mode;
        foreach (var m in Modes)
        {
            text.Append(CultureInfo.InvariantCulture, $"og_dp_mode{{group=\"{group}\",mode=\"{m}\"}} {(m == mode ? 1 : 0)}\n");
        }
        text.Append("# HELP og_dp_control_plane_connected 1 when connected to the control plane.\n# TYPE og_dp_control_plane_connected gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"og_dp_control_plane_connected{{group=\"{group}\"}} {(status.ControlPlaneConnected ? 1 : 0)}\n");
        text.Append("# HELP og_dp_source_switches_total Changes of configuration source.\n# TYPE og_dp_source_switches_total counter\n");
        text.Append(CultureInfo.InvariantCulture, $"og_dp_source_switches_total{{group=\"{group}\"}} {Interlocked.Read(ref _switches)}\n");
        text.Append("# HELP og_dp_refused_snapshots_total Snapshots refused by verification (hash, format, key).\n# TYPE og_dp_refused_snapshots_total counter\n");
        text.Append(CultureInfo.InvariantCulture, $"og_dp_refused_snapshots_total{{group=\"{group}\"}} {status.RefusedSnapshots}\n");
        text.Append("# HELP og_dp_routes Routes in the applied configuration.\n# TYPE og_dp_routes gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"og_dp_routes{{group=\"{group}\"}} {current.Routes.Count}\n");
        return text.ToString();
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
