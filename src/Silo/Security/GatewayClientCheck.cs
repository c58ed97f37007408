using Microsoft.AspNetCore.Connections;
using Orleans.Connections.Security;
using Orleans.Serialization;
using OrleansGateway.Configuration;
using OrleansGateway.Configuration.Certificates;
using OrleansGateway.Contracts.Security;

namespace OrleansGateway.Silo.Security;

/// <summary>
/// On the gateway port, after the TLS handshake: binds a data plane to its group. The client id the client will send
/// its calls under must name a group its certificate names (<c>og-group:&lt;id&gt;</c>); otherwise the connection is
/// closed before Orleans reads a byte, and the log says whom and why. Silo certificates may connect under any id.
/// Every silo then reads the group from a call's source (<see cref="DataPlaneSurface"/>).
/// </summary>
internal sealed class GatewayClientCheck(ILogger logger, Serializer<GatewayPreamble> serializer)
{
    private static readonly TimeSpan PreambleTimeout = TimeSpan.FromSeconds(10);
    private readonly LogThrottle _throttle = new(TimeSpan.FromMinutes(1));

    internal static GatewayClientCheck Create(IServiceProvider services, ILogger logger) =>
        new(logger, services.GetRequiredService<Serializer<GatewayPreamble>>());

    public Func<ConnectionDelegate, ConnectionDelegate> Middleware => next => async connection =>
    {
        var certificate = connection.Features.Get<ITlsConnectionFeature>()?.RemoteCertificate;
        var identity = certificate is null ? null : PeerIdentity.Of(certificate);
        if (certificate is null || identity is null or { IsSilo: true })
        {
            // No TLS on this connection means the TLS middleware refused it already; silos are trusted with any id.
            await next(connection);
            return;
        }
        using var timeout = new CancellationTokenSource(PreambleTimeout);
        GrainId? clientId;
        try
        {
            clientId = await GatewayPreamble.PeekClientIdAsync(connection.Transport.Input, serializer, timeout.Token);
        }
        catch (OperationCanceledException)
        {
            clientId = null;
        }
        var group = DataPlaneClientId.GroupOf(clientId);
        if (group is not null && identity.Serves(group))
        {
            await next(connection);
            return;
        }
        Refuse(certificate.Subject, identity, clientId, group);
        connection.Abort(new ConnectionAbortedException("the client id does not match the certificate's group"));
    };

    private void Refuse(string subject, PeerIdentity identity, GrainId? clientId, string? group)
    {
        var why = clientId is null
            ? "it sent no Orleans client preamble"
            : group is null
                ? $"its client id {clientId} names no gateway group (only OrleansGateway data planes may connect)"
                : $"its client id names group '{group}'";
        if (!_throttle.ShouldLog($"{subject}|{group}"))
        {
            return;
        }
        logger.LogWarning("TLS: refused a data plane on the gateway port: subject '{Subject}' is a {Identity}, but {Why}", subject, identity, why);
    }
}
