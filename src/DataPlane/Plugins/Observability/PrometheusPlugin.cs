using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using OrleansGateway.DataPlane.Observability;

namespace OrleansGateway.DataPlane.Plugins.Observability;

/// <summary>
/// <c>prometheus</c> (log phase): each request it applies to counted in <see cref="ApisixMetrics"/> with APISIX's
/// labels: the route and service (their names with <c>prefer_name</c>, when they have one), the consumer, the node's
/// host, the status and where the answer came from (<c>upstream</c>, <c>nginx</c> for the proxy's own 502/504,
/// <c>apisix</c> for a plugin's or a 404). On a global rule it counts the requests whose route does not count them
/// itself, so a request is counted once, as APISIX.
/// </summary>
public sealed class PrometheusPlugin(JsonObject config, string owner) : ProxyPlugin("prometheus", 500, PluginPhase.None)
{
    private readonly bool _preferName = config["prefer_name"]?.GetValue<bool>() ?? false;
    private readonly bool _global = owner.StartsWith("global_rules/", StringComparison.Ordinal);

    public override bool HasLogPhase => true;

    public override bool NeedsResponseBytes => true;

    public override void OnLog(PluginContext context)
    {
        if (_global && context.Chain?.Contains(Name) == true)
        {
            return;
        }
        var route = context.Route;
        var http = context.Http;
        var routeLabel = _preferName && !string.IsNullOrEmpty(route.Name) ? route.Name : route.Id;
        var serviceLabel = _preferName && !string.IsNullOrEmpty(route.ServiceName) ? route.ServiceName : route.ServiceId ?? "";
        var source = context.UpstreamStatus is not null ? "upstream" : context.Forwarded ? "nginx" : "apisix";
        var status = new ApisixMetrics.StatusKey(http.Response.StatusCode, routeLabel, route.MatchedUri(context.MatchedPath),
            route.MatchedHost(http.Request.Host), serviceLabel, context.ConsumerName ?? "", context.Node?.Host ?? "", source);
        ApisixMetrics.Shared.Record(status, Stopwatch.GetElapsedTime(context.StartTimestamp).TotalMilliseconds,
            context.UpstreamElapsed?.TotalMilliseconds, RequestLength(http.Request), BytesSent(context));
    }

    /// <summary>nginx's <c>$request_length</c>: the request line, headers and body.</summary>
    internal static long RequestLength(HttpRequest request)
    {
        long length = request.Method.Length + (request.Path.Value?.Length ?? 1) + (request.QueryString.Value?.Length ?? 0) + 11;
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                length += name.Length + (value?.Length ?? 0) + 4;
            }
        }
        return length + 2 + (request.ContentLength ?? 0);
    }

    /// <summary>nginx's <c>$bytes_sent</c>: the status line, headers and body as sent.</summary>
    internal static long BytesSent(PluginContext context)
    {
        var response = context.Http.Response;
        long length = 17 + (context.Http.Features.Get<IHttpResponseFeature>()?.ReasonPhrase?.Length ?? 0);
        foreach (var (name, values) in response.Headers)
        {
            foreach (var value in values)
            {
                length += name.Length + (value?.Length ?? 0) + 4;
            }
        }
        return length + 2 + (context.ResponseBytes?.Count ?? response.ContentLength ?? 0);
    }
}
