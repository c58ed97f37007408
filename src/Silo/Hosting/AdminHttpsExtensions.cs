using Microsoft.AspNetCore.Server.Kestrel.Https;
using OrleansGateway.Configuration;
using OrleansGateway.Configuration.Certificates;

namespace OrleansGateway.Silo.Hosting;

/// <summary>
/// The Admin API port over HTTPS (<c>deployment.admin.https_admin</c>), and with <c>admin_ssl_ca_cert</c> mutual TLS:
/// a client without a certificate that CA signed does not get past the handshake. The certificate and the CA file are
/// re-read when they change, like the Orleans ones.
/// </summary>
public static class AdminHttpsExtensions
{
    public static void UseAdminHttps(this Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen, AdminHttpsConfig https, ILogger logger)
    {
        var files = new ReloadingFiles<AdminCertificates>(
            new[] { https.Cert, https.CertKey, https.CaCert }.OfType<string>(),
            https.Load,
            (what, c) => logger.LogInformation("Admin API HTTPS certificate {What}: subject {Subject}, valid until {NotAfter:u}, client certificates {Clients}",
                what, c.Server.Subject, c.Server.NotAfter.ToUniversalTime(), c.ClientCas is null ? "not requested" : $"required ({c.ClientCas.Count} CA certificate(s))"),
            logger);
        listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificateSelector = (_, _) => files.Current.Server,
            ClientCertificateMode = https.CaCert is null ? ClientCertificateMode.NoCertificate : ClientCertificateMode.RequireCertificate,
            ClientCertificateValidation = (certificate, chain, _) =>
            {
                if (files.Current.ClientCas is not { } cas)
                {
                    return true;
                }
                var problem = PeerCertificateValidator.ChainProblem(certificate, chain, cas);
                if (problem is not null)
                {
                    logger.LogWarning("Admin API: refused a client certificate, subject '{Subject}', issuer '{Issuer}': not signed by admin_ssl_ca_cert ({Problem})",
                        certificate.Subject, certificate.Issuer, problem);
                }
                return problem is null;
            },
        });
    }
}
