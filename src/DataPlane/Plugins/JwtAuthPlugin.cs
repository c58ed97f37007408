using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// <c>jwt-auth</c>: the token comes from the <c>header</c> (default <c>authorization</c>, a <c>Bearer </c> prefix
/// dropped), else the <c>query</c> argument, else the <c>cookie</c> (both default <c>jwt</c>). Its payload's
/// <c>key_claim_name</c> claim (default <c>key</c>) names the consumer's jwt-auth credential; the header's
/// <c>alg</c> must be the credential's <c>algorithm</c> (default HS256) and the signature must verify with its secret
/// or public key (<see cref="JwtSignatures"/>); then <c>exp</c> and <c>nbf</c> are checked when present (or those
/// of <c>claims_to_verify</c>, which must then be present), with the credential's <c>lifetime_grace_period</c>.
/// Failures answer APISIX's texts; why a signature failed is not told to the client.
/// </summary>
public sealed class JwtAuthPlugin : AuthPlugin
{
    private readonly string _header;
    private readonly string _query;
    private readonly string _cookie;
    private readonly string _keyClaim;
    private readonly string[] _claims;
    private readonly TimeProvider _time;

    /// <summary>
    /// Tokens verified lately, by a SHA-256 of their whole text (signature included: another signature is another
    /// token); forgotten all at once past <see cref="MaxVerified"/>. Tokens over 4 KB are not remembered.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(UInt128, UInt128), Verified> _verified = new();
    private int _verifiedCount;
    private const int MaxVerified = 10_000;
    private const int MaxRememberedToken = 4 * 1024;
    private static readonly string[] DefaultClaims = ["nbf", "exp"];

    public JwtAuthPlugin(JsonObject config, TimeProvider time) : base("jwt-auth", 2510, config, "Bearer", "jwt")
    {
        _header = Text(config, "header") ?? "authorization";
        _query = Text(config, "query") ?? "jwt";
        _cookie = Text(config, "cookie") ?? "jwt";
        _keyClaim = Text(config, "key_claim_name") ?? "key";
        _claims = config["claims_to_verify"] is JsonArray claims ? claims.Select(c => c!.GetValue<string>()).ToArray() : [];
        _time = time;
    }

    protected override ValueTask<Outcome> FindAsync(PluginContext context)
    {
        var token = Token(context.Http.Request);
        if (token is null)
        {
            return Outcome.Fail("Missing JWT token in request");
        }
        var digest = token.Length <= MaxRememberedToken ? Digest(token) : default;
        if (token.Length <= MaxRememberedToken && _verified.TryGetValue(digest, out var known)
            && ReferenceEquals(context.Consumers.Find("jwt-auth", known.Key), known.Credential))
        {
            // A token whose signature this credential already verified: only its times are checked again.
            return ClaimsHold(known.Nbf, known.Exp, JwtSignatures.Of(known.Credential).GracePeriod) ? Outcome.Of(known.Credential) : Outcome.Fail("failed to verify jwt");
        }
        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (ArgumentException)
        {
            return Outcome.Fail("JWT token invalid");
        }
        if (!jwt.TryGetPayloadValue<string>(_keyClaim, out var key) || key is null)
        {
            return Outcome.Fail("missing user key in JWT token");
        }
        if (context.Consumers.Find("jwt-auth", key) is not { } credential)
        {
            return Outcome.Fail("Invalid user key in JWT token");
        }
        var signer = JwtSignatures.Of(credential);
        if (!string.Equals(jwt.Alg, signer.Algorithm, StringComparison.Ordinal) || !signer.Verify(jwt))
        {
            return Outcome.Fail("failed to verify jwt");
        }
        var verified = new Verified(key, credential, ClaimOf(jwt, "nbf"), ClaimOf(jwt, "exp"));
        if (token.Length <= MaxRememberedToken)
        {
            if (Interlocked.Increment(ref _verifiedCount) > MaxVerified)
            {
                _verified.Clear();
                Interlocked.Exchange(ref _verifiedCount, 1);
            }
            _verified[digest] = verified;
        }
        return ClaimsHold(verified.Nbf, verified.Exp, signer.GracePeriod) ? Outcome.Of(credential) : Outcome.Fail("failed to verify jwt");
    }

    private static (UInt128, UInt128) Digest(string token)
    {
        Span<byte> text = stackalloc byte[System.Text.Encoding.UTF8.GetMaxByteCount(MaxRememberedToken)];
        var length = System.Text.Encoding.UTF8.GetBytes(token, text);
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(text[..length], hash);
        return (System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(hash), System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(hash[16..]));
    }

    /// <summary>A token's signature verified by a credential, and its time claims, so the next request with it skips both.</summary>
    private sealed record Verified(string Key, ConsumerCredential Credential, TimeClaim Nbf, TimeClaim Exp);

    /// <summary>An <c>nbf</c> or <c>exp</c> claim: absent, not a number, or seconds since the epoch.</summary>
    private readonly record struct TimeClaim(bool Present, bool Number, double Seconds);

    private static TimeClaim ClaimOf(JsonWebToken jwt, string name)
    {
        if (!jwt.TryGetPayloadValue<object>(name, out var value) || value is null)
        {
            return default;
        }
        return jwt.TryGetPayloadValue<double>(name, out var seconds) && value is not string ? new TimeClaim(true, true, seconds) : new TimeClaim(true, false, 0);
    }

    /// <summary>
    /// APISIX's claim checks: <c>nbf</c> not after now and <c>exp</c> after now (each widened by the grace period),
    /// numbers both; without <c>claims_to_verify</c> only those present are checked, with it each named must be present.
    /// </summary>
    private bool ClaimsHold(TimeClaim nbf, TimeClaim exp, long grace)
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        foreach (var name in _claims.Length > 0 ? _claims : DefaultClaims)
        {
            var claim = name == "nbf" ? nbf : exp;
            if (!claim.Present)
            {
                if (_claims.Length > 0)
                {
                    return false;
                }
                continue;
            }
            if (!claim.Number)
            {
                return false; // "claim exp is not a number"
            }
            // RFC 7519: valid from nbf on (APISIX requires nbf < now, refusing a token in the second it was made), until exp.
            var holds = name == "nbf" ? claim.Seconds <= now + grace : claim.Seconds > now - grace;
            if (!holds)
            {
                return false;
            }
        }
        return true;
    }

    private string? Token(HttpRequest request)
    {
        var header = request.Headers[_header].ToString();
        if (header.Length > 0)
        {
            return header.StartsWith("Bearer ", StringComparison.Ordinal) || header.StartsWith("bearer ", StringComparison.Ordinal) ? header[7..] : header;
        }
        var query = request.Query[_query].ToString();
        if (query.Length > 0)
        {
            return query;
        }
        return request.Cookies[_cookie] is { Length: > 0 } cookie ? cookie : null;
    }

    protected override void Hide(PluginContext context)
    {
        var request = context.Http.Request;
        if (request.Headers.Remove(_header))
        {
            return;
        }
        if (request.Query.ContainsKey(_query))
        {
            KeyAuthPlugin.RemoveQueryArgument(request, _query);
            return;
        }
        if (request.Cookies.ContainsKey(_cookie))
        {
            var kept = request.Headers.Cookie.ToString().Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Where(c => !c.StartsWith(_cookie + "=", StringComparison.Ordinal));
            request.Headers.Cookie = string.Join("; ", kept);
        }
    }
}
