using System.Security.Cryptography.X509Certificates;

namespace OrleansGateway.Configuration.Certificates;

/// <summary>
/// APISIX's <c>deployment.admin.https_admin: true</c> with <c>deployment.admin.admin_api_mtls</c>: the Admin API (and
/// the dashboard on its port) over HTTPS with <c>admin_ssl_cert</c>/<c>admin_ssl_cert_key</c>; with
/// <c>admin_ssl_ca_cert</c> every client must present a certificate that CA signed (as APISIX's
/// <c>ssl_verify_client on</c>).
/// </summary>
public sealed record AdminHttpsConfig(string Cert, string CertKey, string? CaCert)
{
    public const string Prefix = "deployment:admin:admin_api_mtls:";

    /// <summary>Reads the files; throws <see cref="GatewayConfigException"/> naming the key.</summary>
    public AdminCertificates Load() => new(
        PemFiles.LoadPair(Prefix + "admin_ssl_cert", Cert, Prefix + "admin_ssl_cert_key", CertKey),
        CaCert is null ? null : PemFiles.LoadBundle(Prefix + "admin_ssl_ca_cert", CaCert));
}

/// <summary>The Admin API's server certificate and, for mutual TLS, the CAs its clients must chain to.</summary>
public sealed record AdminCertificates(X509Certificate2 Server, X509Certificate2Collection? ClientCas);
