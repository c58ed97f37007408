using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// <c>proxy-rewrite</c>: changes what is sent upstream: <c>uri</c>, or <c>regex_uri</c> [pattern, replacement]
/// (<c>$1</c> groups; the first matching pair wins), <c>method</c>, <c>host</c>, and <c>headers</c>.
/// </summary>
public sealed class ProxyRewritePlugin : ProxyPlugin
{
    private readonly string? _uri;
    private readonly (Regex Pattern, string Replacement)[] _regexUri;
    private readonly string? _method;
    private readonly string? _host;
    private readonly HeaderOperations _headers;

    public ProxyRewritePlugin(JsonObject config) : base("proxy-rewrite", 1008)
    {
        _uri = Text(config, "uri");
        var pairs = (config["regex_uri"] as JsonArray ?? []).Select(v => v!.GetValue<string>()).ToArray();
        _regexUri = Enumerable.Range(0, pairs.Length / 2)
            .Select(i => (new Regex(pairs[2 * i], RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100)), pairs[2 * i + 1]))
            .ToArray();
        _method = Text(config, "method");
        _host = Text(config, "host");
        _headers = HeaderOperations.Parse(config["headers"]);
    }

    public override ValueTask<bool> OnRequestAsync(PluginContext context)
    {
        var request = context.Http.Request;
        if (_uri is not null)
        {
            SetUri(request, _uri);
        }
        else
        {
            foreach (var (pattern, replacement) in _regexUri)
            {
                var path = request.Path.Value ?? "/";
                if (pattern.IsMatch(path))
                {
                    SetUri(request, pattern.Replace(path, replacement, 1));
                    break;
                }
            }
        }
        if (_method is not null)
        {
            request.Method = _method;
        }
        if (_host is not null)
        {
            context.UpstreamHostOverride = _host;
        }
        _headers.Apply(request.Headers);
        return ValueTask.FromResult(true);
    }

    /// <summary>A rewritten uri may carry its own query string, which then replaces the client's.</summary>
    private static void SetUri(HttpRequest request, string uri)
    {
        var question = uri.IndexOf('?');
        request.Path = new PathString(question < 0 ? uri : uri[..question]);
        if (question >= 0)
        {
            request.QueryString = new QueryString(uri[question..]);
        }
    }
}
