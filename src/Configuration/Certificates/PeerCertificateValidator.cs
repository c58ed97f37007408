using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace OrleansGateway.Configuration.Certificates;

/// <summary>
/// Decides whether the certificate a peer presented on an Orleans connection is acceptable: it must chain to
/// <c>deployment.certs.trusted_ca_cert</c> (and nothing else: the system's store is not consulted), be valid now, and
/// name the role the connection needs (<see cref="PeerIdentity"/>). Host names are not checked — silos are addressed
/// by IP and the CA is the project's own; the role URIs are what a peer is trusted for.
/// </summary>
/// <remarks>
/// A refusal is logged with the peer's subject, issuer and the reason, never key material, at most once a minute per
/// distinct (listener, subject, reason), so a misconfigured peer retrying every second does not flood the log.
/// <see cref="LastRefusal"/> keeps the newest reason for a data plane's <c>/status</c>.
/// </remarks>
public sealed class PeerCertificateValidator(CertificateFiles files, ILogger logger, TimeProvider? time = null)
{
    private readonly LogThrottle _throttle = new(TimeSpan.FromMinutes(1), time);

    private long _refusals;

    /// <summary>The newest refusal's text (what, whom and why), or null.</summary>
    public string? LastRefusal { get; private set; }

    /// <summary>How many peers were refused so far.</summary>
    public long Refusals => Interlocked.Read(ref _refusals);

    /// <summary>The node's own certificates, re-read when their files change.</summary>
    public CertificateFiles Files => files;

    /// <summary>True when <paramref name="peer"/> may be the other end of a connection needing <paramref name="requirement"/>.</summary>
    /// <param name="where">For the log: the listener or connection (e.g. "gateway port").</param>
    public bool Accept(X509Certificate2 peer, X509Chain? presented, PeerRequirement requirement, string where)
    {
        var reason = Problem(peer, presented, requirement);
        if (reason is null)
        {
            return true;
        }
        var text = $"refused the TLS peer on the {where}: subject '{peer.Subject}', issuer '{peer.Issuer}', serial {peer.SerialNumber}: {reason}";
        LastRefusal = text;
        Interlocked.Increment(ref _refusals);
        HandshakeRefusals.Record(text);
        if (_throttle.ShouldLog($"{where}|{peer.Subject}|{reason}"))
        {
            logger.LogWarning("TLS: {Refusal}", text);
        }
        return false;
    }

    /// <summary>Why <paramref name="peer"/> is not acceptable, or null.</summary>
    public string? Problem(X509Certificate2 peer, X509Chain? presented, PeerRequirement requirement)
    {
        if (ChainProblem(peer, presented, files.Current.TrustedCas) is { } chain)
        {
            return $"not signed by a CA in deployment.certs.trusted_ca_cert ({chain})";
        }
        var identity = PeerIdentity.Of(peer);
        return requirement switch
        {
            PeerRequirement.Silo when !identity.IsSilo =>
                $"a silo certificate is needed here (SAN URI {PeerIdentity.SiloUri}); this one is: {identity}",
            PeerRequirement.SiloOrDataPlane when !identity.IsSilo && identity.Groups.Count == 0 =>
                $"a data-plane certificate (SAN URI {PeerIdentity.GroupUriPrefix}<group>) or a silo certificate is needed here; this one has neither",
            _ => null,
        };
    }

    /// <summary>
    /// Why <paramref name="certificate"/> does not chain to one of <paramref name="cas"/> (only to them), or null.
    /// Intermediates the peer sent in <paramref name="presented"/> may complete the chain.
    /// </summary>
    public static string? ChainProblem(X509Certificate2 certificate, X509Chain? presented, X509Certificate2Collection cas)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(cas);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                if (!element.Certificate.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span))
                {
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }
        }
        if (chain.Build(certificate))
        {
            return null;
        }
        var statuses = chain.ChainStatus.Where(s => s.Status != X509ChainStatusFlags.NoError).Select(s => s.Status.ToString()).Distinct();
        return string.Join(", ", statuses) is { Length: > 0 } text ? text : "the chain could not be built";
    }
}
