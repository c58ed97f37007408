using Microsoft.AspNetCore.Connections;
using Orleans.Configuration;
using Orleans.Connections.Security;
using OrleansGateway.Configuration;
using OrleansGateway.Configuration.Certificates;
using OrleansGateway.DataPlane.Sources;
using OrleansGateway.Silo.Security;

namespace OrleansGateway.Silo.Hosting;

/// <summary>
/// Mutual TLS on every Orleans connection of a silo (<c>deployment.certs</c>): the silo port accepts only silo
/// certificates, the gateway port silo or data-plane certificates, and outbound connections to other silos only a
/// silo's — each signed by <c>deployment.certs.trusted_ca_cert</c>; a data plane must connect under a client id naming
/// a group its certificate names (<see cref="GatewayClientCheck"/>). Certificates are re-read when their files change.
/// </summary>
public static class SiloTlsExtensions
{
    public static ISiloBuilder UseGatewayTls(this ISiloBuilder silo, GatewayConfig config)
    {
        if (config.Certs is not { } certs)
        {
            return silo;
        }
        silo.Services.AddSingleton(sp =>
        {
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("OrleansGateway.Silo.Tls");
            return new PeerCertificateValidator(new CertificateFiles(certs, logger), logger);
        });
        silo.Services.AddOptions<SiloConnectionOptions>().Configure<PeerCertificateValidator, ILoggerFactory>((options, validator, loggers) =>
        {
            var logger = loggers.CreateLogger("OrleansGateway.Silo.Tls");
            options.ConfigureSiloInboundConnection(c =>
            {
                c.Use(LogFailedHandshakes(logger, "silo port"));
                c.UseServerTls(Server(validator, PeerRequirement.Silo, "silo port"));
            });
            options.ConfigureGatewayInboundConnection(c =>
            {
                c.Use(LogFailedHandshakes(logger, "gateway port"));
                c.UseServerTls(Server(validator, PeerRequirement.SiloOrDataPlane, "gateway port"));
                c.Use(GatewayClientCheck.Create(c.ApplicationServices, logger).Middleware);
            });
            options.ConfigureSiloOutboundConnection(c => c.UseClientTls(OrleansTls.Client(validator, "connection to another silo")));
        });
        return silo;
    }

    private static TlsOptions Server(PeerCertificateValidator validator, PeerRequirement requirement, string where) => new()
    {
        LocalServerCertificateSelector = (_, _) => validator.Files.Current.Certificate,
        RemoteCertificateMode = RemoteCertificateMode.RequireCertificate,
        RemoteCertificateValidation = (peer, chain, _) => validator.Accept(peer, chain, requirement, where),
    };

    /// <summary>
    /// Outermost on an inbound connection: when the TLS handshake did not complete, one warning with the peer's address
    /// and why — a refused certificate is already logged by the validator with subject, issuer and reason; what is
    /// left is a peer that sent no certificate or does not speak TLS at all (a plain Orleans client). At most once a
    /// minute per address.
    /// </summary>
    private static Func<ConnectionDelegate, ConnectionDelegate> LogFailedHandshakes(ILogger logger, string where)
    {
        var throttle = new LogThrottle(TimeSpan.FromMinutes(1));
        return next => async connection =>
        {
            var refusal = HandshakeRefusals.Begin();
            await next(connection);
            if (connection.Features.Get<ITlsConnectionFeature>()?.RemoteCertificate is not null || refusal.Reason is not null)
            {
                return;
            }
            var address = (connection.RemoteEndPoint as System.Net.IPEndPoint)?.Address.ToString() ?? "unknown";
            if (!throttle.ShouldLog(address))
            {
                return;
            }
            logger.LogWarning("TLS: refused a connection from {Address} on the {Where}: no client certificate, or not TLS at all (a plain Orleans client?)", address, where);
        };
    }
}
