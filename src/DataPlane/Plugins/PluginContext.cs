using OrleansGateway.DataPlane.Routing;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>What a plugin sees of one request: the HTTP context, its route, and what earlier plugins decided.</summary>
public sealed class PluginContext(HttpContext http, CompiledRoute route, ConsumerIndex consumers)
{
    public HttpContext Http { get; } = http;

    public CompiledRoute Route { get; } = route;

    public ConsumerIndex Consumers { get; } = consumers;

    public IRequestView Request { get; } = new Proxy.HttpRequestView(http);

    /// <summary>The authenticated consumer (key-auth), if any.</summary>
    public ConsumerEntry? Consumer { get; set; }

    public string? ConsumerName => Consumer?.Username;

    /// <summary>proxy-rewrite's <c>host</c>: the Host header sent upstream, overriding pass_host.</summary>
    public string? UpstreamHostOverride { get; set; }

    /// <summary>The chain that applies to the request so far (the route's, then merged with its consumer's).</summary>
    public PluginChain? Chain { get; set; }

    /// <summary>The status the upstream answered with; null when no upstream answered.</summary>
    public int? UpstreamStatus { get; set; }

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
