using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Yarp.ReverseProxy.Forwarder;

namespace OrleansGateway.DataPlane.Proxy;

/// <summary>
/// Outgoing HTTP clients, one per connect timeout (a handler setting), shared across configuration versions so that
/// connection pools survive configuration changes.
/// </summary>
public sealed class UpstreamClients : IDisposable
{
    private readonly ConcurrentDictionary<TimeSpan, HttpMessageInvoker> _clients = new();

    public HttpMessageInvoker For(UpstreamDefinition upstream) =>
        _clients.GetOrAdd(upstream.ConnectTimeout, timeout => new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = timeout,
            ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
            EnableMultipleHttp2Connections = true,
        }));

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }
}
