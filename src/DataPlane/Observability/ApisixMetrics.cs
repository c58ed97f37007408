using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace OrleansGateway.DataPlane.Observability;

/// <summary>
/// The per-request metrics of APISIX's prometheus plugin, with its names, label order and buckets: requests by
/// status (<c>apisix_http_status</c>), latency by type (<c>apisix_http_latency</c>: request, upstream, apisix; ms) and
/// bandwidth (<c>apisix_bandwidth</c>: ingress, egress; bytes), each per route, service, consumer and node; and
/// <c>apisix_node_info</c>. One store per process, as APISIX's is per node; rendered on the status port's
/// <c>/metrics</c> and <c>/apisix/prometheus/metrics</c>.
/// </summary>
public sealed class ApisixMetrics
{
    /// <summary>APISIX's default latency buckets, in milliseconds.</summary>
    public static readonly double[] Buckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000];

    public static ApisixMetrics Shared { get; } = new();

    private static readonly string Version = typeof(ApisixMetrics).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    private readonly ConcurrentDictionary<StatusKey, StrongBox<long>> _status = new();
    private readonly ConcurrentDictionary<SeriesKey, Histogram> _latency = new();
    private readonly ConcurrentDictionary<SeriesKey, StrongBox<long>> _bandwidth = new();

    /// <summary>The labels of <c>apisix_http_status</c> (APISIX's <c>request_type</c>, <c>request_llm_model</c> and <c>llm_model</c> are constant here).</summary>
    public readonly record struct StatusKey(int Code, string Route, string MatchedUri, string MatchedHost, string Service, string Consumer, string Node, string ResponseSource);

    /// <summary>The labels of <c>apisix_http_latency</c> and <c>apisix_bandwidth</c>.</summary>
    public readonly record struct SeriesKey(string Type, string Route, string Service, string Consumer, string Node);

    /// <summary>One request, as APISIX's log phase records it.</summary>
    public void Record(StatusKey status, double requestMs, double? upstreamMs, long ingressBytes, long egressBytes)
    {
        Interlocked.Increment(ref _status.GetOrAdd(status, static _ => new StrongBox<long>()).Value);
        var labels = new SeriesKey("request", status.Route, status.Service, status.Consumer, status.Node);
        _latency.GetOrAdd(labels, static _ => new Histogram()).Observe(requestMs);
        if (upstreamMs is { } upstream)
        {
            _latency.GetOrAdd(labels with { Type = "upstream" }, static _ => new Histogram()).Observe(upstream);
        }
        _latency.GetOrAdd(labels with { Type = "apisix" }, static _ => new Histogram()).Observe(Math.Max(0, requestMs - (upstreamMs ?? 0)));
        Interlocked.Add(ref _bandwidth.GetOrAdd(labels with { Type = "ingress" }, static _ => new StrongBox<long>()).Value, ingressBytes);
        Interlocked.Add(ref _bandwidth.GetOrAdd(labels with { Type = "egress" }, static _ => new StrongBox<long>()).Value, egressBytes);
    }

    /// <summary>The Prometheus text of every series (sorted, as APISIX's exporter sorts them).</summary>
    public void Render(StringBuilder text)
    {
        const string constant = "request_type=\"traditional_http\",request_llm_model=\"\",llm_model=\"\"";
        if (!_bandwidth.IsEmpty)
        {
            text.Append("# HELP apisix_bandwidth Total bandwidth in bytes consumed per service in APISIX\n# TYPE apisix_bandwidth counter\n");
            foreach (var (key, value) in _bandwidth.OrderBy(p => Labels(p.Key), StringComparer.Ordinal))
            {
                text.Append("apisix_bandwidth{").Append(Labels(key)).Append(',').Append(constant).Append("} ")
                    .Append(Interlocked.Read(ref value.Value).ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }
        if (!_latency.IsEmpty)
        {
            text.Append("# HELP apisix_http_latency HTTP request latency in milliseconds per service in APISIX\n# TYPE apisix_http_latency histogram\n");
            foreach (var (key, histogram) in _latency.OrderBy(p => Labels(p.Key), StringComparer.Ordinal))
            {
                histogram.Render(text, $"{Labels(key)},{constant}");
            }
        }
        if (!_status.IsEmpty)
        {
            text.Append("# HELP apisix_http_status HTTP status codes per service in APISIX\n# TYPE apisix_http_status counter\n");
            foreach (var (key, value) in _status.OrderBy(p => StatusLabels(p.Key), StringComparer.Ordinal))
            {
                text.Append("apisix_http_status{").Append(StatusLabels(key)).Append("} ")
                    .Append(Interlocked.Read(ref value.Value).ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }
        text.Append("# HELP apisix_node_info Info of APISIX node\n# TYPE apisix_node_info gauge\n")
            .Append("apisix_node_info{hostname=\"").Append(Escape(Environment.MachineName)).Append("\",version=\"").Append(Version).Append("\"} 1\n");
    }

    private static string Labels(SeriesKey key) =>
        $"type=\"{key.Type}\",route=\"{Escape(key.Route)}\",service=\"{Escape(key.Service)}\",consumer=\"{Escape(key.Consumer)}\",node=\"{Escape(key.Node)}\"";

    private static string StatusLabels(StatusKey key) =>
        $"code=\"{key.Code}\",route=\"{Escape(key.Route)}\",matched_uri=\"{Escape(key.MatchedUri)}\",matched_host=\"{Escape(key.MatchedHost)}\"," +
        $"service=\"{Escape(key.Service)}\",consumer=\"{Escape(key.Consumer)}\",node=\"{Escape(key.Node)}\"," +
        $"request_type=\"traditional_http\",request_llm_model=\"\",llm_model=\"\",response_source=\"{key.ResponseSource}\"";

    private static string Escape(string value) =>
        value.AsSpan().IndexOfAny("\\\"\n") < 0 ? value : value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    /// <summary>Observations by bucket (each in the first bucket it fits), their count and sum; cumulative when rendered.</summary>
    private sealed class Histogram
    {
        private readonly long[] _buckets = new long[Buckets.Length + 1];
        private long _count;
        private double _sum;

        public void Observe(double value)
        {
            var index = Array.BinarySearch(Buckets, value);
            Interlocked.Increment(ref _buckets[index >= 0 ? index : ~index]);
            lock (_buckets)
            {
                _count++;
                _sum += value;
            }
        }

        public void Render(StringBuilder text, string labels)
        {
            long cumulative = 0;
            for (var i = 0; i <= Buckets.Length; i++)
            {
                cumulative += Interlocked.Read(ref _buckets[i]);
                var le = i < Buckets.Length ? Buckets[i].ToString(CultureInfo.InvariantCulture) : "+Inf";
                text.Append("apisix_http_latency_bucket{").Append(labels).Append(",le=\"").Append(le).Append("\"} ")
                    .Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
            lock (_buckets)
            {
                text.Append("apisix_http_latency_count{").Append(labels).Append("} ").Append(_count.ToString(CultureInfo.InvariantCulture)).Append('\n');
                text.Append("apisix_http_latency_sum{").Append(labels).Append("} ").Append(_sum.ToString("G15", CultureInfo.InvariantCulture)).Append('\n');
            }
        }
    }
}
