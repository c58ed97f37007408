using Microsoft.Extensions.Logging;

namespace OrleansGateway.Configuration.Certificates;

/// <summary>
/// The node's <c>deployment.certs</c>, re-read when a file changes (<see cref="ReloadingFiles{T}"/>): every new TLS
/// connection asks for <see cref="Current"/>; connections already open keep the certificate they were made with. So
/// certificates and CA bundles rotate without a restart.
/// </summary>
public sealed class CertificateFiles(CertsConfig paths, ILogger logger, TimeProvider? time = null)
{
    private readonly ReloadingFiles<CertificateSet> _files = new(
        [paths.Cert, paths.CertKey, paths.TrustedCaCert],
        () => CertificateSet.Load(paths),
        (what, set) => logger.LogInformation(
            "TLS certificates {What}: subject {Subject}, issuer {Issuer}, serial {Serial}, valid until {NotAfter:u}, {Identity}; {CaCount} trusted CA certificate(s)",
            what, set.Certificate.Subject, set.Certificate.Issuer, set.Certificate.SerialNumber, set.Certificate.NotAfter.ToUniversalTime(), set.Identity, set.TrustedCas.Count),
        logger,
        time);

    public CertsConfig Paths => paths;

    /// <summary>The set to use for a new connection (re-read first when a file changed).</summary>
    public CertificateSet Current => _files.Current;
}
