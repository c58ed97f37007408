using System.Text;
using System.Text.Json.Nodes;
using OrleansGateway.DataPlane.Routing;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// <c>response-rewrite</c>: replaces the upstream response's <c>status_code</c>, <c>body</c> (<c>body_base64</c> for
/// binary) and <c>headers</c>, when its <c>vars</c> hold (they may test the upstream's <c>status</c>).
/// </summary>
public sealed class ResponseRewritePlugin : ProxyPlugin
{
    private readonly int? _status;
    private readonly byte[]? _body;
    private readonly HeaderOperations _headers;
    private readonly VarsExpression _vars;

    public ResponseRewritePlugin(JsonObject config) : base("response-rewrite", 899)
    {
        _status = config["status_code"]?.GetValue<int>();
        var body = Text(config, "body");
        _body = body is null ? null : config["body_base64"]?.GetValue<bool>() == true ? Convert.FromBase64String(body) : Encoding.UTF8.GetBytes(body);
        _headers = HeaderOperations.Parse(config["headers"]);
        _vars = VarsExpression.Compile(config["vars"] as JsonArray);
    }

    /// <summary>True when the upstream body must be replaced (the proxy then does not copy it).</summary>
    public bool ReplacesBody(PluginContext context) => _body is not null && Applies(context);

    public override void OnResponse(PluginContext context)
    {
        if (!Applies(context))
        {
            return;
        }
        var response = context.Http.Response;
        if (_status is { } status)
        {
            response.StatusCode = status;
        }
        _headers.Apply(response.Headers);
        if (_body is not null)
        {
            response.Headers.ContentLength = _body.Length;
            response.Headers.Remove("Content-Encoding");
            response.Headers.Remove("Transfer-Encoding");
        }
    }

    /// <summary>Writes the replacement body, after the headers.</summary>
    public Task WriteBodyAsync(PluginContext context) =>
        context.Http.Response.Body.WriteAsync(_body).AsTask();

    private bool Applies(PluginContext context)
    {
        return _vars.IsEmpty || _vars.Matches(new StatusAwareView(context.Request, context.Http.Response.StatusCode));
    }

    /// <summary>The request view plus the upstream's <c>status</c>, for response-phase vars.</summary>
    private sealed class StatusAwareView(IRequestView inner, int status) : IRequestView
    {
        public string Method => inner.Method;
        public string Path => inner.Path;
        public string Host => inner.Host;
        public System.Net.IPAddress? RemoteAddress => inner.RemoteAddress;
        public string QueryString => inner.QueryString;
        public string? Header(string name) => inner.Header(name);
        public string? Query(string name) => inner.Query(name);
        public string? Cookie(string name) => inner.Cookie(name);
        public string? PostArg(string name) => inner.PostArg(name);
        public string? BodyValue(string path) => inner.BodyValue(path);
        public string? Variable(string name) => name == "status" ? status.ToString(System.Globalization.CultureInfo.InvariantCulture) : inner.Variable(name);
    }
}
