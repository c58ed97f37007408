using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrleansGateway.Configuration.Certificates;

/// <summary>
/// Reads the PEM files configuration names (a certificate with its key, a CA bundle); a problem throws
/// <see cref="GatewayConfigException"/> naming the key and the file, never printing key material.
/// </summary>
public static class PemFiles
{
    /// <summary>The certificate at <paramref name="certPath"/> with the private key at <paramref name="keyPath"/>.</summary>
    /// <param name="certKey">The configuration key naming the certificate file (colon form).</param>
    /// <param name="keyKey">The configuration key naming the key file.</param>
    public static X509Certificate2 LoadPair(string certKey, string certPath, string keyKey, string keyPath)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(certPath, keyPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var (key, path) = File.Exists(certPath) ? (keyKey, keyPath) : (certKey, certPath);
            throw ConfigReader.Invalid(key, path, Why(e, "a readable PEM file"));
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw ConfigReader.Invalid(keyKey, keyPath,
                $"the certificate ({certPath}) and this key could not be read as a pair: {e.Message} (expected PEM, an unencrypted private key matching the certificate)");
        }
    }

    /// <summary>The certificates of the PEM bundle at <paramref name="path"/> (at least one).</summary>
    public static X509Certificate2Collection LoadBundle(string key, string path)
    {
        var cas = new X509Certificate2Collection();
        try
        {
            cas.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw ConfigReader.Invalid(key, path, Why(e, "a PEM file of CA certificates"));
        }
        return cas.Count > 0
            ? cas
            : throw ConfigReader.Invalid(key, path, "no PEM CERTIFICATE block could be read (each -----BEGIN CERTIFICATE----- must start a line of its own)");
    }

    private static string Why(Exception e, string expected) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "file not found",
        UnauthorizedAccessException => "not readable by this process",
        _ => $"expected {expected}: {e.Message}",
    };
}
