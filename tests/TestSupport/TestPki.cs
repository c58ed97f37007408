using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrleansGateway.TestSupport;

/// <summary>
/// A certificate authority of the tests' own, in a temporary folder: issues silo certificates (SAN URI
/// <c>og-role:silo</c>) and data-plane certificates (<c>og-group:&lt;id&gt;</c>) as PEM files, the way
/// <c>scripts/certs.sh</c> does, and hands out the <c>deployment__certs__*</c> environment that points a process at
/// them. Made with .NET's own certificate API so tests can also make the bad ones (another CA, expired, no role).
/// </summary>
public sealed class TestPki
{
    private static readonly Lazy<TestPki> SharedPki = new(() => new TestPki(RepoPaths.TempFolder("og-pki")));
    private readonly X509Certificate2 _ca;
    private readonly object _gate = new();

    public TestPki(string folder)
    {
        Folder = folder;
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=Test CA {Path.GetFileName(folder)}, O=OrleansGateway tests", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-90), DateTimeOffset.UtcNow.AddYears(5));
        CaPath = Path.Combine(folder, "ca.pem");
        File.WriteAllText(CaPath, _ca.ExportCertificatePem() + "\n");
    }

    /// <summary>One CA for the whole test run (a process).</summary>
    public static TestPki Shared => SharedPki.Value;

    public string Folder { get; }

    /// <summary>The CA certificate (PEM), for <c>deployment.certs.trusted_ca_cert</c>.</summary>
    public string CaPath { get; }

    /// <summary>The <c>deployment__certs__*</c> environment of a silo with a certificate named <paramref name="name"/>.</summary>
    public Dictionary<string, string> SiloEnv(string name = "silo") => Env(IssueOnce(name, ["og-role:silo"], server: true));

    /// <summary>The <c>deployment__certs__*</c> environment of a data plane of <paramref name="groups"/>.</summary>
    public Dictionary<string, string> DataPlaneEnv(string name, params string[] groups) =>
        Env(IssueOnce(name, groups.Select(g => "og-group:" + g).ToArray(), server: false));

    public Dictionary<string, string> Env((string Cert, string Key) files) => new()
    {
        ["deployment__certs__cert"] = files.Cert,
        ["deployment__certs__cert_key"] = files.Key,
        ["deployment__certs__trusted_ca_cert"] = CaPath,
    };

    private (string Cert, string Key) IssueOnce(string name, string[] uris, bool server)
    {
        lock (_gate)
        {
            var cert = Path.Combine(Folder, name + ".pem");
            return File.Exists(cert) ? (cert, Path.Combine(Folder, name + ".key")) : Issue(name, uris, server);
        }
    }

    /// <summary>
    /// Issues (or re-issues, overwriting) <c>NAME.pem</c> and <c>NAME.key</c> with the given SAN URIs, valid from
    /// <paramref name="notBefore"/> to <paramref name="notAfter"/> (default: yesterday to a year on).
    /// </summary>
    public (string Cert, string Key) Issue(string name, string[] uris, bool server, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}, O=OrleansGateway tests", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        var usages = new OidCollection { new Oid("1.3.6.1.5.5.7.3.2") }; // clientAuth
        if (server)
        {
            usages.Add(new Oid("1.3.6.1.5.5.7.3.1")); // serverAuth
        }
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        if (uris.Length > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var uri in uris)
            {
                san.AddUri(new Uri(uri));
            }
            san.AddIpAddress(System.Net.IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
        }
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var cert = request.Create(_ca, notBefore ?? DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddYears(1), serial);
        var certPath = Path.Combine(Folder, name + ".pem");
        var keyPath = Path.Combine(Folder, name + ".key");
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        File.WriteAllText(certPath, cert.ExportCertificatePem() + "\n");
        return (certPath, keyPath);
    }
}

/// <summary>Merging environment dictionaries for processes.</summary>
public static class EnvironmentExtensions
{
    /// <summary>Sets every entry of <paramref name="more"/> in <paramref name="env"/>; returns <paramref name="env"/>.</summary>
    public static IDictionary<string, TValue> SetAll<TValue>(this IDictionary<string, TValue> env, IDictionary<string, TValue> more)
    {
        foreach (var (key, value) in more)
        {
            env[key] = value;
        }
        return env;
    }
}
