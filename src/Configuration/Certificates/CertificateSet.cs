using System.Security.Cryptography.X509Certificates;

namespace OrleansGateway.Configuration.Certificates;

/// <summary>One consistent reading of <c>deployment.certs</c>: the node's certificate with its key, and the trusted CAs.</summary>
public sealed record CertificateSet(X509Certificate2 Certificate, X509Certificate2Collection TrustedCas)
{
    public PeerIdentity Identity { get; } = PeerIdentity.Of(Certificate);

    /// <summary>
    /// Reads and checks the three files; a problem throws <see cref="GatewayConfigException"/> naming the key and the
    /// file. Never prints key material.
    /// </summary>
    public static CertificateSet Load(CertsConfig paths)
    {
        var cas = new X509Certificate2Collection();
        try
        {
            cas.ImportFromPemFile(paths.TrustedCaCert);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw ConfigReader.Invalid("deployment:certs:trusted_ca_cert", paths.TrustedCaCert, Why(e, "a PEM file of CA certificates"));
        }
        if (cas.Count == 0)
        {
            throw ConfigReader.Invalid("deployment:certs:trusted_ca_cert", paths.TrustedCaCert, "no PEM CERTIFICATE block could be read (each -----BEGIN CERTIFICATE----- must start a line of its own)");
        }
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(paths.Cert, paths.CertKey);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var key = File.Exists(paths.Cert) ? "deployment:certs:cert_key" : "deployment:certs:cert";
            throw ConfigReader.Invalid(key, key.EndsWith("key", StringComparison.Ordinal) ? paths.CertKey : paths.Cert, Why(e, "a readable PEM file"));
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw ConfigReader.Invalid("deployment:certs:cert_key", paths.CertKey,
                $"the certificate ({paths.Cert}) and this key could not be read as a pair: {e.Message} (expected PEM, an unencrypted private key matching the certificate)");
        }
        var now = DateTime.UtcNow;
        if (certificate.NotAfter.ToUniversalTime() < now || certificate.NotBefore.ToUniversalTime() > now)
        {
            throw ConfigReader.Invalid("deployment:certs:cert", paths.Cert,
                $"the certificate is valid from {certificate.NotBefore.ToUniversalTime():u} to {certificate.NotAfter.ToUniversalTime():u}, not now");
        }
        var set = new CertificateSet(certificate, cas);
        if (PeerCertificateValidator.ChainProblem(certificate, null, cas) is { } problem)
        {
            throw ConfigReader.Invalid("deployment:certs:cert", paths.Cert,
                $"the certificate (subject {certificate.Subject}, issuer {certificate.Issuer}) does not chain to deployment.certs.trusted_ca_cert: {problem}; peers would refuse it");
        }
        return set;
    }

    private static string Why(Exception e, string expected) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "file not found",
        UnauthorizedAccessException => "not readable by this process",
        _ => $"expected {expected}: {e.Message}",
    };
}
