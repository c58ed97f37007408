using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace OrleansGateway.Contracts.Validation;

/// <summary>Checks that every certificate of an SSL resource parses and matches its private key.</summary>
public static class SslCertificates
{
    /// <summary>Null when <c>cert</c>/<c>key</c> (and each <c>certs[i]</c>/<c>keys[i]</c>) form valid pairs.</summary>
    public static string? Check(JsonObject ssl)
    {
        if (CheckPair(ssl["cert"]?.GetValue<string>(), ssl["key"]?.GetValue<string>(), "cert", "key") is { } error)
        {
            return error;
        }
        if (ssl["certs"] is JsonArray certs && ssl["keys"] is JsonArray keys)
        {
            for (var i = 0; i < certs.Count && i < keys.Count; i++)
            {
                if (CheckPair(certs[i]?.GetValue<string>(), keys[i]?.GetValue<string>(), $"certs[{i + 1}]", $"keys[{i + 1}]") is { } e)
                {
                    return e;
                }
            }
        }
        return null;
    }

    private static string? CheckPair(string? certPem, string? keyPem, string certName, string keyName)
    {
        if (certPem is null || keyPem is null)
        {
            return null;
        }
        try
        {
            using var cert = X509Certificate2.CreateFromPem(certPem, keyPem);
            return cert.HasPrivateKey ? null : $"property \"{keyName}\" validation failed: the key does not match \"{certName}\"";
        }
        catch (CryptographicException e)
        {
            return $"property \"{certName}\" validation failed: failed to parse the certificate and key pair: {e.Message}";
        }
        catch (ArgumentException e)
        {
            return $"property \"{certName}\" validation failed: failed to parse the certificate and key pair: {e.Message}";
        }
    }
}
