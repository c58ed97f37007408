using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// <c>cors</c>: answers preflight <c>OPTIONS</c> requests itself and adds the CORS headers to every response.
/// Defaults as in APISIX: origins, methods and headers <c>*</c>, <c>max_age</c> 5, no credentials.
/// </summary>
public sealed class CorsPlugin : ProxyPlugin
{
    private readonly string _origins;
    private readonly Regex[] _originRegexes;
    private readonly string _methods;
    private readonly string _headers;
    private readonly string? _expose;
    private readonly int _maxAge;
    private readonly bool _credentials;

    public CorsPlugin(JsonObject config) : base("cors", 4000)
    {
        _origins = Text(config, "allow_origins") ?? "*";
        _originRegexes = (config["allow_origins_by_regex"] as JsonArray ?? []).Select(r => new Regex(r!.GetValue<string>(), RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100))).ToArray();
        _methods = Text(config, "allow_methods") ?? "*";
        _headers = Text(config, "allow_headers") ?? "*";
        _expose = Text(config, "expose_headers");
        _maxAge = config["max_age"]?.GetValue<int>() ?? 5;
        _credentials = config["allow_credential"]?.GetValue<bool>() ?? false;
    }

    public override ValueTask<bool> OnRequestAsync(PluginContext context)
    {
        var request = context.Http.Request;
        var origin = request.Headers.Origin.ToString();
        var allowed = AllowedOrigin(origin);
        if (HttpMethods.IsOptions(request.Method) && request.Headers.ContainsKey("Access-Control-Request-Method"))
        {
            AddHeaders(context.Http.Response.Headers, allowed, request.Headers["Access-Control-Request-Headers"].ToString());
            return RespondAsync(context, 200, null);
        }
        context.Http.Response.OnStarting(() =>
        {
            AddHeaders(context.Http.Response.Headers, allowed, request.Headers["Access-Control-Request-Headers"].ToString());
            return Task.CompletedTask;
        });
        return ValueTask.FromResult(true);
    }

    private string? AllowedOrigin(string origin)
    {
        if (_origins == "*")
        {
            return "*";
        }
        if (origin.Length == 0)
        {
            return null;
        }
        foreach (var allowed in _origins.AsSpan().Split(','))
        {
            if (_origins.AsSpan(allowed).Trim().Equals(origin, StringComparison.OrdinalIgnoreCase))
            {
                return origin;
            }
        }
        foreach (var pattern in _originRegexes)
        {
            if (pattern.IsMatch(origin))
            {
                return origin;
            }
        }
        return null;
    }

    private void AddHeaders(IHeaderDictionary headers, string? origin, string requestedHeaders)
    {
        if (origin is null)
        {
            return;
        }
        headers["Access-Control-Allow-Origin"] = origin;
        if (origin != "*")
        {
            headers.Append("Vary", "Origin");
        }
        headers["Access-Control-Allow-Methods"] = _methods == "*" ? "GET,POST,PUT,DELETE,PATCH,HEAD,OPTIONS,CONNECT,TRACE" : _methods;
        headers["Access-Control-Allow-Headers"] = _headers == "*" && requestedHeaders.Length > 0 ? requestedHeaders : _headers;
        headers["Access-Control-Max-Age"] = _maxAge.ToString(CultureInfo.InvariantCulture);
        if (_expose is { Length: > 0 })
        {
            headers["Access-Control-Expose-Headers"] = _expose;
        }
        if (_credentials)
        {
            headers["Access-Control-Allow-Credentials"] = "true";
        }
    }
}
