using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OrleansGateway.DataPlane.Plugins.Requests;

/// <summary>
/// <c>redirect</c>: answers with a <c>Location</c> and <c>ret_code</c> (302): to <c>uri</c> (<c>$var</c> and
/// <c>${var}</c> replaced, <c>\$var</c> kept as written), to the request path rewritten by <c>regex_uri</c> (when it
/// matches; otherwise the request goes on), or with <c>http_to_https</c> to the same host and URI over https (301 for
/// GET and HEAD, 308 otherwise, whatever <c>ret_code</c> says; the scheme is <c>X-Forwarded-Proto</c>'s when sent).
/// <c>encode_uri</c> percent-encodes the target's path; <c>append_query_string</c> carries the request's query over.
/// </summary>
public sealed partial class RedirectPlugin : ProxyPlugin
{
    private readonly int _code;
    private readonly Part[]? _uri;
    private readonly Regex? _regex;
    private readonly string? _replacement;
    private readonly bool _toHttps;
    private readonly bool _encode;
    private readonly bool _appendQuery;

    public RedirectPlugin(JsonObject config) : base("redirect", 900)
    {
        _code = config["ret_code"]?.GetValue<int>() ?? 302;
        _uri = config["uri"] is JsonValue uri ? Parse(uri.GetValue<string>()) : null;
        if (config["regex_uri"] is JsonArray { Count: 2 } pair)
        {
            _regex = new Regex(pair[0]!.GetValue<string>(), RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
            _replacement = pair[1]!.GetValue<string>();
        }
        _toHttps = config["http_to_https"]?.GetValue<bool>() ?? false;
        _encode = config["encode_uri"]?.GetValue<bool>() ?? false;
        _appendQuery = config["append_query_string"]?.GetValue<bool>() ?? false;
    }

    /// <summary>A piece of <c>uri</c>: literal text, or a variable's name.</summary>
    private readonly record struct Part(string Text, bool IsVariable);

    private static Part[] Parse(string template) => TemplatePattern().Matches(template).Select(m =>
        m.Groups[2].Success ? new Part(m.Groups[2].Value, true)
        : m.Groups[3].Success ? new Part(m.Groups[3].Value, true)
        : new Part(m.Value, false)).ToArray();

    public override ValueTask<bool> OnRequestAsync(PluginContext context)
    {
        var request = context.Http.Request;
        var query = request.QueryString.HasValue && request.QueryString.Value!.Length > 1 ? request.QueryString.Value![1..] : null;
        if (_toHttps)
        {
            var scheme = request.Headers["X-Forwarded-Proto"] is { Count: > 0 } forwarded ? forwarded.ToString() : request.Scheme;
            if (scheme == "https")
            {
                return ValueTask.FromResult(true);
            }
            var target = $"https://{request.Host.Host}{request.Path.Value}{(query is null ? "" : "?" + query)}";
            return Redirect(context, HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) ? 301 : 308, target);
        }
        string location;
        if (_uri is not null)
        {
            var text = new StringBuilder();
            foreach (var part in _uri)
            {
                text.Append(part.IsVariable ? PluginVars.Resolve(context, part.Text) : part.Text);
            }
            location = text.ToString();
        }
        else
        {
            var path = request.Path.Value ?? "/";
            try
            {
                var match = _regex!.Match(path);
                if (!match.Success)
                {
                    return ValueTask.FromResult(true);
                }
                location = string.Concat(path.AsSpan(0, match.Index), match.Result(_replacement!), path.AsSpan(match.Index + match.Length));
            }
            catch (RegexMatchTimeoutException)
            {
                return ValueTask.FromResult(true); // as a path that does not match: the request goes on
            }
        }
        if (_appendQuery && query is not null)
        {
            location += (location.Contains('?') ? "&" : "?") + query;
        }
        return Redirect(context, _code, _encode ? EncodePath(location) : location);
    }

    private static ValueTask<bool> Redirect(PluginContext context, int status, string location)
    {
        context.Http.Response.StatusCode = status;
        context.Http.Response.Headers.Location = location;
        return ValueTask.FromResult(false);
    }

    /// <summary>nginx's URI escaping of the part before <c>?</c>: controls, space, <c>#</c>, <c>%</c>, <c>?</c> and non-ASCII bytes.</summary>
    internal static string EncodePath(string location)
    {
        var question = location.IndexOf('?');
        var path = question < 0 ? location : location[..question];
        var text = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(path))
        {
            if (b <= 0x20 || b >= 0x7F || b is (byte)'#' or (byte)'%' or (byte)'?')
            {
                text.Append('%').Append(b.ToString("X2"));
            }
            else
            {
                text.Append((char)b);
            }
        }
        return question < 0 ? text.ToString() : text.Append(location.AsSpan(question)).ToString();
    }

    [GeneratedRegex(@"(\\\$[0-9a-zA-Z_]+)|\$\{([0-9a-zA-Z_]+)\}|\$([0-9a-zA-Z_]+)|(\$|[^$\\]+)")]
    private static partial Regex TemplatePattern();
}
