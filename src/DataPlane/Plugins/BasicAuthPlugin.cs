using System.Text;
using System.Text.Json.Nodes;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// <c>basic-auth</c>: <c>Authorization: Basic base64(username:password)</c> against the consumers' basic-auth
/// credentials, with APISIX's answers: no header 401 "Missing authorization in request", a header that does not decode
/// "Invalid authorization in request", an unknown user or wrong password "Invalid user authorization".
/// </summary>
public sealed class BasicAuthPlugin(JsonObject config) : AuthPlugin("basic-auth", 2520, config, "Basic", "basic")
{
    protected override ValueTask<Outcome> FindAsync(PluginContext context)
    {
        var header = context.Http.Request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            return Outcome.Fail("Missing authorization in request");
        }
        if (Decode(header) is not var (username, password))
        {
            return Outcome.Fail("Invalid authorization in request");
        }
        var credential = context.Consumers.Find("basic-auth", username);
        return credential is not null && FixedTimeEquals(credential.Config["password"]?.GetValue<string>(), password)
            ? Outcome.Of(credential)
            : Outcome.Fail("Invalid user authorization");
    }

    protected override void Hide(PluginContext context) => context.Http.Request.Headers.Remove("Authorization");

    /// <summary>
    /// The user and password of a <c>Basic</c> header (scheme case-insensitive), as APISIX reads them: split at the first
    /// colon, whitespace removed from both parts; null when it is not one.
    /// </summary>
    internal static (string User, string Password)? Decode(string header)
    {
        var space = header.IndexOfAny([' ', '\t']);
        if (space < 0 || !header.AsSpan(0, space).Equals("basic", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var encoded = header.AsSpan(space + 1).Trim();
        var bytes = new byte[encoded.Length];
        if (encoded.Length == 0 || !Convert.TryFromBase64Chars(encoded, bytes, out var length))
        {
            return null;
        }
        var decoded = Encoding.UTF8.GetString(bytes, 0, length);
        var colon = decoded.IndexOf(':');
        if (colon < 0)
        {
            return null;
        }
        return (WithoutWhitespace(decoded[..colon]), WithoutWhitespace(decoded[(colon + 1)..]));
    }

    private static string WithoutWhitespace(string text) =>
        text.AsSpan().IndexOfAny(" \t\r\n\f\v") < 0 ? text : string.Concat(text.Where(c => !char.IsWhiteSpace(c)));

    internal static bool FixedTimeEquals(string? expected, string actual) =>
        expected is not null && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(actual));
}
