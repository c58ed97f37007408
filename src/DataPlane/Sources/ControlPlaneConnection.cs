using System.Net;
using Orleans.Configuration;
using OrleansGateway.Configuration;
using OrleansGateway.Configuration.Certificates;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Security;
using OrleansGateway.Contracts.Feed;

namespace OrleansGateway.DataPlane.Sources;

/// <summary>
/// One Orleans client connection to the control plane, owned by the data plane (not <c>UseOrleansClient</c> on the web
/// host, which would hold Kestrel until the cluster answers). It fails fast when no gateway answers; the supervisor
/// decides when to try again, and builds a fresh connection — with a fresh receiver of the group's pushes — every time.
/// </summary>
/// <remarks>
/// Every connect asks the answering silo which cluster and service it belongs to (<see cref="IClusterIdentityGrain"/>):
/// silos of another service (which Orleans lets a client reach, unlike another cluster_id) are refused with
/// <see cref="ControlPlaneMismatchException"/>.
/// </remarks>
public sealed class ControlPlaneConnection : IControlPlaneLink
{
    private readonly IHost _host;
    private readonly ClusterClientLink _link;

    private ControlPlaneConnection(IHost host, IClusterClient client, ConnectionSignal signal)
    {
        _host = host;
        Client = client;
        _link = new ClusterClientLink(client);
        signal.Lost = _link.RaiseConnectionLost;
    }

    public IClusterClient Client { get; }

    public IGrainFactory Grains => Client;

    /// <param name="tls">Mutual TLS to the gateways (<c>deployment.certs</c>); null for plain TCP.</param>
    public static async Task<ControlPlaneConnection> ConnectAsync(GatewayConfig config, PeerCertificateValidator? tls, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var gateways = config.Orleans.Gateways.Count > 0
            ? config.Orleans.Gateways.ToArray()
            : [new IPEndPoint(IPAddress.Loopback, config.Orleans.GatewayPort)];
        var signal = new ConnectionSignal();
        var host = new HostBuilder()
            .UseOrleansClient(client =>
            {
                client.AddClusterConnectionStatusObserver(signal);
                if (config.Orleans.Gateways.Count == 0 && config.Orleans.PostgreSqlConnectionString is { Length: > 0 } membership)
                {
                    // The silos' membership table lists the live gateways, so silos can come and go without
                    // reconfiguring data planes. The client only reads it; the silos own the schema.
                    client.UseAdoNetClustering(o =>
                    {
                        o.Invariant = "Npgsql";
                        o.ConnectionString = membership;
                    });
                    client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(10));
                }
                else
                {
                    client.UseStaticClustering(gateways);
                }
                client.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = config.Orleans.ClusterId;
                    o.ServiceId = config.Orleans.ServiceId;
                });
                if (tls is not null)
                {
                    client.Configure<ClientConnectionOptions>(o => o.ConfigureConnection(c => c.UseClientTls(OrleansTls.Client(tls, "connection to a silo gateway"))));
                }
                // The id names the group: silos let a data plane read that group only (and, under mutual TLS, only
                // when its certificate names the group too).
                client.UseClientId(DataPlaneClientId.NewKey(config.GatewayGroupId));
                client.AddActivityPropagation(); // grain calls continue the caller's trace (an apply's)
                client.UseConnectionRetryFilter((_, _) => Task.FromResult(false));
                client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
            })
            .ConfigureLogging(l => l.AddFilter("Orleans", LogLevel.Error).AddFilter("Microsoft", LogLevel.Warning))
            .Build();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        var client = host.Services.GetRequiredService<IClusterClient>();
        ClusterIdentity? identity;
        var refusals = tls?.Refusals ?? 0;
        try
        {
            await host.StartAsync(cts.Token);
            identity = await IdentityOfAsync(client, cts.Token);
        }
        catch (Exception e)
        {
            await StopQuietlyAsync(host);
            if (tls is not null && tls.Refusals != refusals && tls.LastRefusal is { } refusal)
            {
                // Orleans reports only a closed connection; the certificate check knows why.
                throw new ControlPlaneMismatchException(refusal, e);
            }
            throw;
        }
        if (identity is not null && (identity.ClusterId != config.Orleans.ClusterId || identity.ServiceId != config.Orleans.ServiceId))
        {
            await StopQuietlyAsync(host);
            throw new ControlPlaneMismatchException(
                $"the silos at {(config.Orleans.Gateways.Count > 0 ? string.Join(", ", gateways.Select(g => g.ToString())) : "the membership table's gateways")} belong to " +
                $"cluster_id '{identity.ClusterId}', service_id '{identity.ServiceId}'; this data plane is configured for " +
                $"cluster_id '{config.Orleans.ClusterId}', service_id '{config.Orleans.ServiceId}' (deployment.orleans)");
        }
        return new ControlPlaneConnection(host, client, signal);
    }

    /// <summary>
    /// The silos' identity; null when they cannot tell (silos older than this data plane, during a rolling upgrade):
    /// Orleans has checked the cluster_id already, and the service_id then goes unchecked rather than unfollowed.
    /// Transport failures are thrown, as for any call.
    /// </summary>
    private static async Task<ClusterIdentity?> IdentityOfAsync(IClusterClient client, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetGrain<IClusterIdentityGrain>(0).Get().WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e is not (TimeoutException or OperationCanceledException or SiloUnavailableException
            or OrleansMessageRejectionException or Orleans.Runtime.Messaging.ConnectionFailedException))
        {
            return null;
        }
    }

    public void Follow(string group, Func<GroupChanged, Task> onChange) => _link.Follow(group, onChange);

    public Task<long> HeartbeatAsync(DataPlaneHeartbeat heartbeat) => _link.HeartbeatAsync(heartbeat);

    public event Action? ConnectionLost
    {
        add => _link.ConnectionLost += value;
        remove => _link.ConnectionLost -= value;
    }

    /// <summary>Orleans' word that the client has no gateway left (or lost one): passed on to the link.</summary>
    private sealed class ConnectionSignal : IClusterConnectionStatusObserver
    {
        public Action? Lost { get; set; }

        public void NotifyClusterConnectionLost() => Lost?.Invoke();

        public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered)
        {
            if (currentNumberOfGateways < previousNumberOfGateways)
            {
                Lost?.Invoke();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _link.DisposeAsync();
        await StopQuietlyAsync(_host);
    }

    private static async Task StopQuietlyAsync(IHost host)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await host.StopAsync(cts.Token);
        }
        catch (Exception)
        {
            // Stopping a client whose cluster is unreachable can fail; it is discarded either way.
        }
        host.Dispose();
    }
}

/// <summary>
/// The control plane that answered is not the one configured: another cluster or service, or a certificate this data
/// plane does not trust. A configuration fault: logged as an error, retried slowly.
/// </summary>
public sealed class ControlPlaneMismatchException(string message, Exception? inner = null) : Exception(message, inner);
