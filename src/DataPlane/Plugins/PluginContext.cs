using OrleansGateway.DataPlane.Routing;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>What a plugin sees of one request: the HTTP context, its route, and what earlier plugins decided.</summary>
public sealed class PluginContext(HttpContext http, CompiledRoute route, ConsumerIndex consumers)
{
    public HttpContext Http { get; } = http;

    public CompiledRoute Route { get; } = route;

    public ConsumerIndex Consumers { get; } = consumers;

    public IRequestView Request { get; } = new Proxy.HttpRequestView(http);

    /// <summary>The path the route matched, before any plugin rewrote it.</summary>
    public string MatchedPath { get; } = http.Request.Path.Value ?? "/";

    /// <summary>The authenticated consumer (key-auth), if any.</summary>
    public ConsumerEntry? Consumer { get; set; }

    public string? ConsumerName => Consumer?.Username;

    /// <summary>proxy-rewrite's <c>host</c>: the Host header sent upstream, overriding pass_host.</summary>
    public string? UpstreamHostOverride { get; set; }

    /// <summary>The upstreams of this configuration version by key (<c>upstreams/1</c>), for plugins that pick one.</summary>
    public Routing.ShardedMap<Proxy.UpstreamDefinition> Upstreams { get; init; } = Routing.ShardedMap<Proxy.UpstreamDefinition>.Empty;

    /// <summary>
    /// A filter the response body streams through (gzip's compressor), set when the upstream's headers arrived; the
    /// proxy disposes it once the body is forwarded, which completes it.
    /// </summary>
    public IAsyncDisposable? ResponseBodyFilter { get; set; }

    /// <summary>traffic-split's choice: the upstream to use instead of the route's (null: the route's).</summary>
    public Proxy.UpstreamDefinition? UpstreamOverride { get; set; }

    /// <summary>The chain that applies to the request so far (the route's, then merged with its consumer's).</summary>
    public PluginChain? Chain { get; set; }

    /// <summary>When the proxy took the request (<see cref="System.Diagnostics.Stopwatch"/> ticks).</summary>
    public long StartTimestamp { get; init; } = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>How long the upstream took (from sending the request to the end of its answer); null when not proxied.</summary>
    public TimeSpan? UpstreamElapsed { get; set; }

    /// <summary>The upstream node the request went to (the last one, after retries); null when none was picked.</summary>
    public Proxy.UpstreamNode? Node { get; set; }

    /// <summary>True once the proxy tried an upstream (then no answer means the proxy answered for it: 502, 504).</summary>
    public bool Forwarded { get; set; }

    /// <summary>Counts the response's bytes (for prometheus' and the loggers' sizes), when a plugin of the route needs them.</summary>
    public Proxy.CountingStream? ResponseBytes { get; set; }

    /// <summary>The status the upstream answered with; null when no upstream answered.</summary>
    public int? UpstreamStatus { get; set; }

    /// <summary>The upstream's answer (its headers), once it arrived.</summary>
    public HttpResponseMessage? UpstreamResponse { get; set; }

    private List<IRequestLease>? _leases;

    /// <summary>Something this request holds until it completes (a limit-conn slot), released after the log phase.</summary>
    public void Hold(IRequestLease lease) => (_leases ??= new List<IRequestLease>(1)).Add(lease);

    /// <summary>Releases every <see cref="Hold"/>, once.</summary>
    internal void ReleaseLeases()
    {
        if (_leases is null)
        {
            return;
        }
        foreach (var lease in _leases)
        {
            lease.Release();
        }
        _leases = null;
    }
}
