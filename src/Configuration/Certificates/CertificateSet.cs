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
        var cas = PemFiles.LoadBundle("deployment:certs:trusted_ca_cert", paths.TrustedCaCert);
        var certificate = PemFiles.LoadPair("deployment:certs:cert", paths.Cert, "deployment:certs:cert_key", paths.CertKey);
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
}
