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
}
