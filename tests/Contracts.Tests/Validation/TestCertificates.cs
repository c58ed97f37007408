using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrleansGateway.Contracts.Tests.Validation;

internal static class TestCertificates
{
    /// <summary>A self-signed certificate for <paramref name="host"/> and its key, both PEM.</summary>
    public static (string Cert, string Key) Create(string host)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN={host}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return (cert.ExportCertificatePem(), rsa.ExportPkcs8PrivateKeyPem());
    }
}
