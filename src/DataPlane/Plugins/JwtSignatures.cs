using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// Verifies the signatures of one jwt-auth credential, built once per credential: HS256/384/512 with its
/// <c>secret</c> (any length, as APISIX; <c>base64_secret</c> decodes it), RS/PS with an RSA <c>public_key</c> and
/// ES256/384/512 with an EC one (raw r‖s signatures, as JWS). EdDSA is accepted by the schema but not verified here
/// (.NET has no Ed25519): such tokens fail. A public key that does not parse fails every token, as in APISIX.
/// </summary>
internal sealed class JwtSignatures
{
    private readonly byte[]? _secret;
    private readonly string? _publicKeyPem;
    private readonly ConcurrentBag<AsymmetricAlgorithm> _keys = [];

    private JwtSignatures(JsonObject config)
    {
        Algorithm = config["algorithm"]?.GetValue<string>() ?? "HS256";
        GracePeriod = config["lifetime_grace_period"]?.GetValue<long>() ?? 0;
        if (Algorithm.StartsWith("HS", StringComparison.Ordinal))
        {
            var secret = config["secret"]?.GetValue<string>() ?? "";
            _secret = config["base64_secret"]?.GetValue<bool>() == true ? TryBase64(secret) : Encoding.UTF8.GetBytes(secret);
        }
        else
        {
            _publicKeyPem = config["public_key"]?.GetValue<string>();
        }
    }

    /// <summary>The credential's <c>algorithm</c>: a token must name the same.</summary>
    public string Algorithm { get; }

    /// <summary><c>lifetime_grace_period</c>, seconds.</summary>
    public long GracePeriod { get; }

    public static JwtSignatures Of(ConsumerCredential credential) =>
        credential.Compiled as JwtSignatures ?? (JwtSignatures)(credential.Compiled = new JwtSignatures(credential.Config));

    /// <summary>True when <paramref name="jwt"/>'s signature is this credential's over its header and payload.</summary>
    public bool Verify(JsonWebToken jwt)
    {
        byte[] signature;
        try
        {
            signature = Base64UrlEncoder.DecodeBytes(jwt.EncodedSignature);
        }
        catch (FormatException)
        {
            return false;
        }
        var input = Encoding.ASCII.GetBytes($"{jwt.EncodedHeader}.{jwt.EncodedPayload}");
        if (_secret is not null)
        {
            var expected = Algorithm switch
            {
                "HS384" => HMACSHA384.HashData(_secret, input),
                "HS512" => HMACSHA512.HashData(_secret, input),
                _ => HMACSHA256.HashData(_secret, input),
            };
            return CryptographicOperations.FixedTimeEquals(expected, signature);
        }
        var hash = Algorithm[2..] switch
        {
            "384" => HashAlgorithmName.SHA384,
            "512" => HashAlgorithmName.SHA512,
            _ => HashAlgorithmName.SHA256,
        };
        if (Rent() is not { } key)
        {
            return false;
        }
        try
        {
            return key switch
            {
                RSA rsa => rsa.VerifyData(input, signature, hash, Algorithm[0] == 'P' ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1),
                ECDsa ec => ec.VerifyData(input, signature, hash),
                _ => false,
            };
        }
        catch (CryptographicException)
        {
            return false;
        }
        finally
        {
            _keys.Add(key);
        }
    }

    /// <summary>A key object for one verification (they are not shared between threads), parsed when none is free.</summary>
    private AsymmetricAlgorithm? Rent()
    {
        if (_keys.TryTake(out var key))
        {
            return key;
        }
        if (_publicKeyPem is null || Algorithm == "EdDSA")
        {
            return null;
        }
        try
        {
            AsymmetricAlgorithm created = Algorithm[0] == 'E' ? ECDsa.Create() : RSA.Create();
            created.ImportFromPem(_publicKeyPem);
            return created;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            return null;
        }
    }

    private static byte[] TryBase64(string text)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return Encoding.UTF8.GetBytes(text);
        }
    }
}
