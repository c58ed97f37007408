using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace OrleansGateway.Contracts.Validation;

/// <summary>
/// APISIX's checks of an SSL resource after its schema, with its texts: the certificate and key parse (unless either is
/// a <c>$secret://</c> or <c>$env://</c> reference), then, for a server certificate, as many <c>certs</c> as
/// <c>keys</c> and each pair parsing, then the client CA. Beyond APISIX, a key must match its certificate.
/// </summary>
public static class SslCertificates
{
    private const string BadCert = "failed to parse cert: PEM_read_bio_X509_AUX() failed";
    private const string BadKey = "failed to parse key: PEM_read_bio_PrivateKey() failed";

    /// <summary>A reference to a secret resolved where it is used: <c>$secret://…</c> or <c>$env://…</c> (any case).</summary>
    public static bool IsSecretReference(string? value) =>
        value is not null && (value.StartsWith("$secret://", StringComparison.Ordinal) || value.StartsWith("$env://", StringComparison.OrdinalIgnoreCase));

    /// <summary>Null when the certificates of a schema-valid <paramref name="ssl"/> hold, else APISIX's text.</summary>
    public static string? Check(JsonObject ssl)
    {
        if (CheckPair(Text(ssl["cert"]), Text(ssl["key"])) is { } error)
        {
            return error;
        }
        if (Text(ssl["type"]) == "client")
        {
            return null;
        }
        var certs = ssl["certs"] as JsonArray ?? [];
        var keys = ssl["keys"] as JsonArray ?? [];
        if (certs.Count != keys.Count)
        {
            return "mismatched number of certs and keys";
        }
        for (var i = 0; i < certs.Count; i++)
        {
            if (CheckPair(Text(certs[i]), Text(keys[i])) is { } pairError)
            {
                return $"failed to handle cert-key pair[{i + 1}]: {pairError}";
            }
        }
        if (Text(ssl["client"]?["ca"]) is { } ca && !IsSecretReference(ca) && ParseCertificate(ca, out _) is { } caError)
        {
            return $"failed to validate client_cert: {caError}";
        }
        return null;
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static string? CheckPair(string? certPem, string? keyPem)
    {
        if (certPem is null || keyPem is null || IsSecretReference(certPem) || IsSecretReference(keyPem))
        {
            return null;
        }
        if (ParseCertificate(certPem, out var cert) is { } certError)
        {
            return certError;
        }
        using (cert)
        {
            if (ParseKey(keyPem, cert!) is { } keyError)
            {
                return keyError;
            }
            try
            {
                using var withKey = X509Certificate2.CreateFromPem(certPem, keyPem);
                return null;
            }
            catch (CryptographicException e)
            {
                return AdminErrors.Described(BadKey, $"the key does not match the certificate: {e.Message}");
            }
        }
    }

    private static string? ParseCertificate(string pem, out X509Certificate2? cert)
    {
        try
        {
            cert = X509Certificate2.CreateFromPem(pem);
            return null;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            cert = null;
            return AdminErrors.Described(BadCert, e.Message);
        }
    }

    private static string? ParseKey(string pem, X509Certificate2 cert)
    {
        try
        {
            using AsymmetricAlgorithm key = cert.GetRSAPublicKey() is not null ? RSA.Create()
                : cert.GetECDsaPublicKey() is not null ? ECDsa.Create()
                : throw new CryptographicException("the certificate's key is neither RSA nor ECDSA");
            key.ImportFromPem(pem);
            return null;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return AdminErrors.Described(BadKey, e.Message);
        }
    }
}
