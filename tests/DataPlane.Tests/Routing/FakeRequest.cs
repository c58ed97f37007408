using System.Net;
using OrleansGateway.DataPlane.Routing;

namespace OrleansGateway.DataPlane.Tests.Routing;

internal sealed record FakeRequest(string Path, string Method = "GET", string Host = "localhost", string Remote = "127.0.0.1") : IRequestView
{
    public Dictionary<string, string> Headers { get; init; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, string> Args { get; init; } = [];
    public Dictionary<string, string> Cookies { get; init; } = [];

    public IPAddress? RemoteAddress => IPAddress.Parse(Remote);
    public string QueryString => string.Join('&', Args.Select(a => $"{a.Key}={a.Value}"));
    public string? Header(string name) => Headers.GetValueOrDefault(name);
    public string? Query(string name) => Args.GetValueOrDefault(name);
    public string? Cookie(string name) => Cookies.GetValueOrDefault(name);
    public Dictionary<string, string> PostArgs { get; init; } = [];
    public Dictionary<string, string> Body { get; init; } = [];
    public string? PostArg(string name) => PostArgs.GetValueOrDefault(name);
    public string? BodyValue(string path) => Body.GetValueOrDefault(path);
}
