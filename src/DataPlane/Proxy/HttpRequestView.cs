using System.Net;
using OrleansGateway.DataPlane.Routing;

namespace OrleansGateway.DataPlane.Proxy;

/// <summary>Routing's view of a live request.</summary>
public sealed class HttpRequestView(HttpContext context) : IRequestView
{
    private string? _host;

    public string Method => context.Request.Method;

    public string Path => context.Request.Path.HasValue ? context.Request.Path.Value! : "/";

    public string Host => _host ??= context.Request.Host.Host.ToLowerInvariant();

    public IPAddress? RemoteAddress => context.Connection.RemoteIpAddress;

    public string QueryString => context.Request.QueryString.HasValue ? context.Request.QueryString.Value![1..] : "";

    public string? Header(string name) => context.Request.Headers.TryGetValue(name, out var v) ? v.ToString() : null;

    public string? Query(string name) => context.Request.Query.TryGetValue(name, out var v) ? v.ToString() : null;

    public string? Cookie(string name) => context.Request.Cookies.TryGetValue(name, out var v) ? v : null;

    public string? PostArg(string name) => context.Features.Get<PostArgs>()?.Field(name);

    public string? BodyValue(string path) => context.Features.Get<PostArgs>()?.Path(path);

    public string? Variable(string name) => name switch
    {
        "scheme" => context.Request.Scheme,
        "server_port" => context.Connection.LocalPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => null,
    };
}
