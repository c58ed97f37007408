using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using Yarp.ReverseProxy.Forwarder;

namespace OrleansGateway.DataPlane.Proxy;

/// <summary>
/// Outgoing HTTP clients, one per handler setting (connect timeout, TLS verification, client certificate), shared
/// across configuration versions so that connection pools survive configuration changes. As APISIX, an upstream's
/// certificate is checked only with <c>tls.verify</c>.
/// </summary>
public sealed class UpstreamClients : IDisposable
{
    private readonly ConcurrentDictionary<(TimeSpan Timeout, bool Verify, string? Certificate), HttpMessageInvoker> _clients = new();

    public HttpMessageInvoker For(UpstreamDefinition upstream) =>
        _clients.GetOrAdd((upstream.ConnectTimeout, upstream.VerifyTls, upstream.ClientCertificate?.Thumbprint), key => new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = key.Timeout,
            ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
            EnableMultipleHttp2Connections = true,
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = upstream.ClientCertificate is { } certificate ? [certificate] : null,
                RemoteCertificateValidationCallback = key.Verify ? null : static (_, _, _, _) => true,
            },
        }));

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }
}
