using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Configuration;
using Orleans.Hosting;
using OrleansGateway.Configuration.Certificates;
using OrleansGateway.Contracts.Feed;
using OrleansGateway.DataPlane.Sources;

namespace OrleansGateway.EndToEnd.Tests.Security;

/// <summary>
/// An Orleans client in the test process, pointed at one silo gateway: plain, or with a certificate (and the CA it
/// trusts), under a random client id or one of our choosing — what someone who reaches the gateway port could run.
/// </summary>
internal sealed class TestOrleansClient : IAsyncDisposable
{
    private readonly IHost _host;

    private TestOrleansClient(IHost host)
    {
        _host = host;
        Client = host.Services.GetRequiredService<IClusterClient>();
    }

    public IClusterClient Client { get; }

    /// <summary>The refusal the client's own certificate check recorded, if it refused the silo.</summary>
    public PeerCertificateValidator? Tls { get; private init; }

    /// <param name="certs">deployment__certs__* environment (cert, key, CA) for TLS; null for plain TCP.</param>
    /// <param name="clientKey">The client id's key; null for Orleans' random one.</param>
    public static async Task<TestOrleansClient> ConnectAsync(int gatewayPort, IDictionary<string, string>? certs = null, string? clientKey = null)
    {
        PeerCertificateValidator? tls = null;
        if (certs is not null)
        {
            var paths = new CertsConfig(certs["deployment__certs__cert"], certs["deployment__certs__cert_key"], certs["deployment__certs__trusted_ca_cert"]);
            tls = new PeerCertificateValidator(new CertificateFiles(paths, NullLogger.Instance), NullLogger.Instance);
        }
        var host = new HostBuilder()
            .UseOrleansClient(client =>
            {
                client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, gatewayPort));
                client.Configure<ClusterOptions>(o => o.ClusterId = o.ServiceId = "orleans-gateway");
                client.UseConnectionRetryFilter((_, _) => Task.FromResult(false));
                client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
                if (tls is not null)
                {
                    client.Configure<ClientConnectionOptions>(o => o.ConfigureConnection(c => c.UseClientTls(OrleansTls.Client(tls, "test client"))));
                }
                if (clientKey is not null)
                {
                    client.UseClientId(clientKey);
                }
            })
            .ConfigureLogging(l => l.ClearProviders())
            .Build();
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await host.StartAsync(cts.Token);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return new TestOrleansClient(host) { Tls = tls };
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _host.StopAsync(cts.Token);
        }
        catch (Exception)
        {
            // A refused client may fail to stop cleanly; it is discarded either way.
        }
        _host.Dispose();
    }
}
