using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace OrleansGateway.Silo.Security;

/// <summary>
/// What lets a silo tell a call from another silo (or from itself) from a call a client sent through a gateway: every
/// grain call a silo makes carries a token derived from a secret only silos hold (<see cref="SiloCallStamp"/>), and a
/// call without it is a client's, held to the data-plane surface (<see cref="DataPlaneCallFilter"/>). Orleans itself
/// cannot tell: a gateway passes a client's messages on with the sender the client wrote into them.
/// </summary>
/// <remarks>
/// The secret is the cluster's: one row of the PostgreSQL database all silos share (created by the first silo), or a
/// random one in the embedded single-silo form. It never goes to a client: calls addressed to clients (pushes to
/// data planes' observers) are sent without it.
/// </remarks>
public sealed class ClusterTrust
{
    /// <summary>The request-context key of the token.</summary>
    public const string RequestContextKey = "og-silo";

    private string? _tokenText;

    /// <summary>The token silo calls carry; set once, before the silo starts.</summary>
    public string Token => _tokenText ?? throw new InvalidOperationException("the cluster secret was not loaded before the silo started");

    public void Initialize(byte[] secret)
    {
        // A derived value, not the secret itself, travels in messages.
        var token = HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes("orleans-gateway silo call v1"));
        _tokenText = Convert.ToBase64String(token);
    }

    /// <summary>True when <paramref name="value"/> (a request-context entry) is the token.</summary>
    public bool IsSiloCall(object? value) =>
        value is string text && _tokenText is { } token && text.Length == token.Length &&
        CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(text.AsSpan()), MemoryMarshal.AsBytes(token.AsSpan()));
}
