using System.Net;

namespace OrleansGateway.DataPlane.Routing;

/// <summary>What routing may look at in a request; an HttpContext adapter in the proxy, a plain object in tests.</summary>
public interface IRequestView
{
    /// <summary>The HTTP method, upper case.</summary>
    string Method { get; }

    /// <summary>The path, without the query string.</summary>
    string Path { get; }

    /// <summary>The host without port, lower case.</summary>
    string Host { get; }

    /// <summary>The client address.</summary>
    IPAddress? RemoteAddress { get; }

    /// <summary>The raw query string without <c>?</c>.</summary>
    string QueryString { get; }

    /// <summary>A request header (first value), or null.</summary>
    string? Header(string name);

    /// <summary>A query argument (first value), or null.</summary>
    string? Query(string name);

    /// <summary>A cookie, or null.</summary>
    string? Cookie(string name);

    /// <summary><c>post_arg_name</c>: a field of a form-urlencoded body, when the body was read for it; or null.</summary>
    string? PostArg(string name) => null;

    /// <summary><c>post_arg.a.b</c>: a value in the body (JSON path, or form field), when it was read for it; or null.</summary>
    string? BodyValue(string path) => null;

    /// <summary>Any other variable this view knows (the response's <c>status</c> in response-phase vars), or null.</summary>
    string? Variable(string name) => null;
}
