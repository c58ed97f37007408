using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OrleansGateway.DataPlane.Proxy;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// <c>hmac-auth</c> (APISIX 3.x, draft-cavage HTTP signatures): <c>Authorization: Signature keyId="…",
/// algorithm="hmac-sha256",headers="@request-target date",signature="base64"</c>. The signing string is the key id,
/// then for each listed header <c>name: value</c> (<c>@request-target</c>: <c>METHOD request-uri</c>), each on its own
/// line. Checks in APISIX's order: fields present, key id known, algorithm allowed, <c>Date</c> within
/// <c>clock_skew</c>, every <c>signed_headers</c> signed, signature, then with <c>validate_request_body</c> the
/// <c>Digest: SHA-256=…</c> of the body (413 past <c>max_req_body_size</c>). The client learns only "client request
/// can't be validated" for a bad signature, as in APISIX.
/// </summary>
public sealed partial class HmacAuthPlugin : AuthPlugin
{
    private const string Generic = "client request can't be validated";
    private readonly string[] _algorithms;
    private readonly long _clockSkew;
    private readonly string[] _signedHeaders;
    private readonly bool _validateBody;
    private readonly long _maxBody;
    private readonly TimeProvider _time;

    public HmacAuthPlugin(JsonObject config, TimeProvider time) : base("hmac-auth", 2530, config, "hmac", "hmac")
    {
        _algorithms = Strings(config["allowed_algorithms"]) ?? ["hmac-sha1", "hmac-sha256", "hmac-sha512"];
        _clockSkew = config["clock_skew"]?.GetValue<long>() ?? 300;
        _signedHeaders = Strings(config["signed_headers"]) ?? ["date"];
        _validateBody = config["validate_request_body"]?.GetValue<bool>() ?? false;
        _maxBody = config["max_req_body_size"]?.GetValue<long>() ?? 64L * 1024 * 1024;
        _time = time;
    }

    private static string[]? Strings(JsonNode? node) => node is JsonArray array ? array.Select(n => n!.GetValue<string>()).ToArray() : null;

    protected override async ValueTask<Outcome> FindAsync(PluginContext context)
    {
        var request = context.Http.Request;
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.Length == 0)
        {
            return Outcome.Fail($"{Generic}: missing Authorization header");
        }
        if (!authorization.StartsWith("Signature", StringComparison.Ordinal))
        {
            return Outcome.Fail($"{Generic}: Authorization header does not start with 'Signature'");
        }
        var fields = Fields(authorization[9..]);
        if (Validate(context, fields) is { } failure)
        {
            return failure;
        }
        var credential = context.Consumers.Find("hmac-auth", fields["keyId"])!;
        if (_validateBody)
        {
            if (request.Headers["Digest"].ToString() is not { Length: > 0 } digest)
            {
                return Outcome.Fail(Generic);
            }
            if (await BufferedBody.ReadAsync(context.Http, _maxBody) is not { } body)
            {
                var size = request.ContentLength is { } length ? length.ToString(CultureInfo.InvariantCulture) : $"over {_maxBody}";
                return Outcome.Fail($"request size {size} is greater than the maximum size {_maxBody} allowed", 413);
            }
            if (!string.Equals(digest, "SHA-256=" + Convert.ToBase64String(SHA256.HashData(body)), StringComparison.Ordinal))
            {
                return Outcome.Fail(Generic);
            }
        }
        return Outcome.Of(credential);
    }

    /// <summary>Every check but the body's, in APISIX's order; null when they hold.</summary>
    private Outcome? Validate(PluginContext context, Dictionary<string, string> fields)
    {
        if (!fields.TryGetValue("keyId", out var keyId) || !fields.TryGetValue("signature", out var signature) || !fields.TryGetValue("algorithm", out var algorithm))
        {
            return Outcome.Fail(Generic);
        }
        if (context.Consumers.Find("hmac-auth", keyId) is not { } credential || !_algorithms.Contains(algorithm))
        {
            return Outcome.Fail(Generic);
        }
        var headers = context.Http.Request.Headers;
        if (_clockSkew > 0)
        {
            if (!DateTimeOffset.TryParseExact(headers.Date.ToString(), "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
                || Math.Abs((_time.GetUtcNow() - date).TotalSeconds) > _clockSkew)
            {
                return Outcome.Fail(Generic);
            }
        }
        var signed = fields.TryGetValue("headers", out var list) ? list.Split(' ') : [];
        foreach (var required in _signedHeaders)
        {
            if (Array.IndexOf(signed, required) < 0)
            {
                return Outcome.Fail(Generic);
            }
        }
        byte[] given;
        try
        {
            given = Convert.FromBase64String(signature);
        }
        catch (FormatException)
        {
            return Outcome.Fail(Generic);
        }
        var secret = Encoding.UTF8.GetBytes(credential.Config["secret_key"]?.GetValue<string>() ?? "");
        var expected = Sign(algorithm, secret, SigningString(context.Http.Request, keyId, signed));
        return CryptographicOperations.FixedTimeEquals(expected, given) ? null : Outcome.Fail(Generic);
    }

    internal static byte[] Sign(string algorithm, byte[] secret, string signingString)
    {
        var data = Encoding.UTF8.GetBytes(signingString);
        return algorithm switch
        {
            "hmac-sha1" => HMACSHA1.HashData(secret, data),
            "hmac-sha512" => HMACSHA512.HashData(secret, data),
            _ => HMACSHA256.HashData(secret, data),
        };
    }

    /// <summary>The key id, then each signed header's <c>name: value</c> (absent ones skipped), each line ended by a newline.</summary>
    internal static string SigningString(HttpRequest request, string keyId, IEnumerable<string> headers)
    {
        var text = new StringBuilder(keyId).Append('\n');
        foreach (var name in headers)
        {
            var value = request.Headers[name];
            if (value.Count > 0)
            {
                text.Append(name).Append(": ").Append(value.ToString()).Append('\n');
            }
            else if (name == "@request-target")
            {
                // APISIX's request_uri: the target as the client sent it, not decoded.
                var uri = request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget
                    ?? $"{request.PathBase}{request.Path}{request.QueryString}";
                text.Append(request.Method).Append(' ').Append(uri.Length == 0 ? "/" : uri).Append('\n');
            }
        }
        return text.ToString();
    }

    /// <summary>The <c>name="value"</c> fields after <c>Signature</c>, comma-separated.</summary>
    internal static Dictionary<string, string> Fields(string text)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in text.Split(','))
        {
            var match = FieldPattern().Match(part);
            if (match.Success && match.Groups[1].Value is "keyId" or "algorithm" or "signature" or "headers")
            {
                fields[match.Groups[1].Value] = match.Groups[2].Value;
            }
        }
        return fields;
    }

    [GeneratedRegex("\\s*([A-Za-z0-9]+)=\"(.*?)\"")]
    private static partial Regex FieldPattern();

    protected override void Hide(PluginContext context) => context.Http.Request.Headers.Remove("Authorization");
}
