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
    public AdminCertificates Load()
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(Cert, CertKey);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var missingCert = !File.Exists(Cert);
            throw ConfigReader.Invalid(Prefix + (missingCert ? "admin_ssl_cert" : "admin_ssl_cert_key"), missingCert ? Cert : CertKey,
                e is UnauthorizedAccessException ? "not readable by this process" : "file not found");
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw ConfigReader.Invalid(Prefix + "admin_ssl_cert_key", CertKey,
                $"the certificate ({Cert}) and this key could not be read as a pair: {e.Message} (expected PEM, an unencrypted private key matching the certificate)");
        }
        if (CaCert is null)
        {
            return new AdminCertificates(certificate, null);
        }
        var cas = new X509Certificate2Collection();
        try
        {
            cas.ImportFromPemFile(CaCert);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw ConfigReader.Invalid(Prefix + "admin_ssl_ca_cert", CaCert, e is FileNotFoundException or DirectoryNotFoundException ? "file not found" : e.Message);
        }
        return cas.Count > 0
            ? new AdminCertificates(certificate, cas)
            : throw ConfigReader.Invalid(Prefix + "admin_ssl_ca_cert", CaCert, "no PEM CERTIFICATE block could be read");
    }
}

/// <summary>The Admin API's server certificate and, for mutual TLS, the CAs its clients must chain to.</summary>
public sealed record AdminCertificates(X509Certificate2 Server, X509Certificate2Collection? ClientCas);
