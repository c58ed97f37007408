using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using OrleansGateway.Configuration;

namespace OrleansGateway.Silo.Dashboard;

/// <summary>
/// Logins to the dashboard and the console of this silo: a random 256-bit token per login, kept only as its SHA-256
/// digest with the key's name and role and an expiry.
/// The token is all the browser holds; it says nothing about the key it was obtained with, and logout or expiry
/// ends it here for good. Lookups go by digest, so response timing tells nothing about a guessed token.
/// </summary>
public sealed class DashboardSessions(GatewayConfig config, TimeProvider time)
{
    /// <summary>Logins kept at most; past it the one closest to expiry makes room (only key holders can log in).</summary>
    public const int MaxSessions = 10_000;

    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    private sealed record Session(string KeyName, string Role, DateTimeOffset Expires);

    /// <summary>Who a live login is: the key's name and role, and the digest that names the login (never the token).</summary>
    public sealed record Login(string KeyName, string Role, string Digest);

    /// <summary>A new login for the key named <paramref name="keyName"/>; returns the token for the cookie.</summary>
    public string Start(string keyName, string role)
    {
        var now = time.GetUtcNow();
        RemoveExpired(now);
        while (_sessions.Count >= MaxSessions && _sessions.MinBy(s => s.Value.Expires) is { Key: { } oldest })
        {
            _sessions.TryRemove(oldest, out _);
        }
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        _sessions[Digest(token)] = new Session(keyName, role, now + config.Dashboard.SessionTtl);
        return token;
    }

    /// <summary>The login of <paramref name="token"/>, or null when it has ended or expired.</summary>
    public Login? Find(string? token) => Plausible(token) ? FindByDigest(Digest(token)) : null;

    /// <summary>The login a digest names, or null when it has ended or expired (a console checks it before each write).</summary>
    public Login? FindByDigest(string digest)
    {
        if (!_sessions.TryGetValue(digest, out var session))
        {
            return null;
        }
        if (session.Expires > time.GetUtcNow())
        {
            return new Login(session.KeyName, session.Role, digest);
        }
        _sessions.TryRemove(digest, out _);
        return null;
    }

    /// <summary>True when <paramref name="token"/> is a login that has not ended or expired.</summary>
    public bool IsValid(string? token) => Find(token) is not null;

    /// <summary>Ends the login of <paramref name="token"/>; returns the key name it was made with, or null.</summary>
    public string? End(string? token) =>
        Plausible(token) && _sessions.TryRemove(Digest(token), out var session) ? session.KeyName : null;

    /// <summary>A token worth hashing: present and no longer than any we issue (a cookie can be anything).</summary>
    private static bool Plausible([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? token) =>
        !string.IsNullOrEmpty(token) && token.Length <= 128;

    private void RemoveExpired(DateTimeOffset now)
    {
        foreach (var (digest, session) in _sessions)
        {
            if (session.Expires <= now)
            {
                _sessions.TryRemove(digest, out _);
            }
        }
    }

    private static string Digest(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
