using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.DataPlane.Plugins;
using OrleansGateway.DataPlane.Proxy;
using OrleansGateway.TestSupport;

namespace OrleansGateway.DataPlane.Tests.Plugins;

/// <summary>
/// Runs the request side of a route's plugins as the proxy does (global rules, route, consumer merge, both phases) on
/// an in-memory request, for the plugin tests; what reaches the upstream is the request as the plugins left it.
/// </summary>
public sealed class PluginHarness
{
    public static readonly StoredResource Upstream = R(ResourceKind.Upstream, "u", """{"id":"u","nodes":{"127.0.0.1:1":1}}""");

    public PluginHarness(params StoredResource[] resources)
    {
        Config = ProxyConfig.Build(ResourceSet.FromExport(new GroupExport("g", 9, [Upstream, .. resources], "{}")), "control_plane", DateTimeOffset.UnixEpoch, Time);
    }

    /// <summary>When every harness's clock starts (a fixed time: tokens made for a test take it, not the real time).</summary>
    public static readonly DateTimeOffset Start = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);

    public ManualTime Time { get; } = new(Start);

    public ProxyConfig Config { get; }

    public static StoredResource R(ResourceKind kind, string id, string json) => new(kind, id, json, 1, 1);

    /// <summary>A route <paramref name="id"/> at <c>/{id}</c> on the test upstream with these plugins.</summary>
    public static StoredResource Route(string id, string plugins, string extra = "") =>
        R(ResourceKind.Route, id, $$"""{"id":"{{id}}","uri":"/{{id}}","upstream_id":"u","plugins":{{plugins}}{{extra}}}""");

    public static StoredResource Consumer(string username, string plugins, string extra = "") =>
        R(ResourceKind.Consumer, username, $$"""{"username":"{{username}}","plugins":{{plugins}}{{extra}}}""");

    /// <summary>Runs the plugins for a request to <paramref name="target"/> (path and query).</summary>
    public async Task<Outcome> RunAsync(string target, Action<HttpRequest>? prepare = null, string method = "GET", string remote = "10.0.0.1", byte[]? body = null,
        int? upstreamStatus = 200, bool complete = true)
    {
        var http = new DefaultHttpContext();
        var question = target.IndexOf('?');
        http.Request.Method = method;
        http.Request.Path = PathString.FromUriComponent(question < 0 ? target : target[..question]); // decoded, as Kestrel does
        http.Request.QueryString = question < 0 ? QueryString.Empty : new QueryString(target[question..]);
        http.Features.Get<IHttpRequestFeature>()!.RawTarget = target;
        http.Request.Host = new HostString("gateway.test");
        http.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        http.Response.Body = new MemoryStream();
        if (body is not null)
        {
            http.Request.Body = new MemoryStream(body);
            http.Request.ContentLength = body.Length;
        }
        prepare?.Invoke(http.Request);
        var route = Config.Routes.Match(new HttpRequestView(http)) ?? throw new InvalidOperationException($"no route for {target}");
        var context = new PluginContext(http, route, Config.Consumers) { Upstreams = Config.Upstreams };
        var chain = await RequestPlugins.RunAsync(Config.GlobalPlugins, Config.RoutePlugins.GetValueOrDefault(route.Id) ?? Config.NoPlugins, context);
        http.Response.Body.Position = 0;
        var outcome = new Outcome(chain is null ? http.Response.StatusCode : null, await new StreamReader(http.Response.Body).ReadToEndAsync(),
            http.Response.Headers, http.Request, context.ConsumerName, context, Config);
        if (chain is not null)
        {
            context.UpstreamStatus = upstreamStatus; // as if the upstream answered so
        }
        if (complete)
        {
            outcome.Complete();
        }
        return outcome;
    }

    /// <param name="Answered">The status a plugin answered with; null when the request would go upstream.</param>
    /// <param name="Context">The request's plugin context, to complete later (<see cref="Complete"/>) for a request still in flight.</param>
    public sealed record Outcome(int? Answered, string Body, IHeaderDictionary ResponseHeaders, HttpRequest Request, string? Consumer, PluginContext Context, ProxyConfig Config)
    {
        /// <summary>The request completes: the log phase runs and what it held is released.</summary>
        public void Complete() => RequestPlugins.Complete(Config.GlobalPlugins, Context);
    }
}
