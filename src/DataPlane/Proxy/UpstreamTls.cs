using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Security;
using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.DataPlane.Proxy;

/// <summary>
/// The client certificate an upstream presents for mutual TLS: inline (<c>tls.client_cert</c>, <c>tls.client_key</c>)
/// or an ssl of type <c>client</c> named by <c>tls.client_cert_id</c>. A <c>$env://NAME</c> reference is read from this
/// process's environment, as APISIX resolves it where it is used; <c>$secret://</c> needs a secret manager, which is not
/// provided.
/// </summary>
public static class UpstreamTls
{
    /// <summary>The certificate with its key, or why there is none although one is configured.</summary>
    /// <remarks>
    /// An encrypted key is opened with <paramref name="cipher"/>; one that does not open throws
    /// <see cref="FieldDecryptionException"/>, so the whole version is refused and the served one stays.
    /// </remarks>
    public static (X509Certificate2? Certificate, string? Error) ClientCertificate(JsonObject? tls, string? certId, string? sslJson, FieldCipher? cipher, string upstream)
    {
        string? cert, key;
        if (certId is not null)
        {
            if (sslJson is null)
            {
                return (null, $"ssl [{certId}] named by tls.client_cert_id is not in this configuration");
            }
            var ssl = JsonNode.Parse(sslJson)!.AsObject();
            (cert, key) = (ssl["cert"]?.GetValue<string>(), ssl["key"]?.GetValue<string>());
        }
        else
        {
            (cert, key) = (tls?["client_cert"]?.GetValue<string>(), tls?["client_key"]?.GetValue<string>());
        }
        if (cert is null || key is null)
        {
            return (null, null);
        }
        key = SecretValues.Open(key, cipher, certId is null ? $"{upstream} tls.client_key" : $"ssls \"{certId}\" key");
        try
        {
            return (X509Certificate2.CreateFromPem(Resolve(cert), Resolve(key)), null);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or InvalidOperationException && e is not FieldDecryptionException)
        {
            return (null, $"the client certificate cannot be used: {e.Message}");
        }
    }

    private static string Resolve(string value)
    {
        if (!SslCertificates.IsSecretReference(value))
        {
            return value;
        }
        if (value.StartsWith("$secret://", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{value[..value.IndexOf("://", StringComparison.Ordinal)]}:// references need a secret manager, which this data plane does not have");
        }
        var name = value["$env://".Length..];
        return Environment.GetEnvironmentVariable(name) ?? throw new InvalidOperationException($"the environment variable {name} is not set");
    }
}
