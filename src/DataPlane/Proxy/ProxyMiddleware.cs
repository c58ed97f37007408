using System.Diagnostics;
using System.Runtime.CompilerServices;
using OrleansGateway.DataPlane.Routing;
using OrleansGateway.DataPlane.Health;
using OrleansGateway.DataPlane.Plugins;
using System.Text.Json;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;

namespace OrleansGateway.DataPlane.Proxy;

/// <summary>
/// The proxy: our route table picks the route, the route's upstream picks a node, YARP's forwarder sends the request.
/// No match answers APISIX's <c>404 {"error_msg":"404 Route Not Found"}</c>. Connection failures before a response
/// move on to the next node, up to the upstream's <c>retries</c>, for requests without a body.
/// </summary>
public sealed class ProxyMiddleware(
    ProxyConfigHolder holder, IHttpForwarder forwarder, UpstreamClients clients, Observability.DataPlaneMetrics metrics, Configuration.GatewayConfig gateway)
{
    private static readonly ConditionalWeakTable<UpstreamDefinition, INodePicker> Pickers = [];

    /// <summary>Serves one request, in one async frame (a second per request only adds allocation to the hot path).</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        string? routeId = null;
        var config = holder.Current;
        var started = Stopwatch.GetTimestamp();
        PluginContext? plugins = null;
        try
        {
            if (config.BodyReadingRoutes > 0 && HasBody(context.Request))
            {
                await PostArgs.LoadAsync(context, gateway.MaxPostArgsReadableBytes);
            }
            var route = config.Routes.Match(new HttpRequestView(context));
            if (route is null)
            {
                // As APISIX, global rules run for a request no route matched (they may answer it, count it, log it).
                if (config.GlobalPlugins.Count > 0)
                {
                    plugins = Context(context, CompiledRoute.NotFound, config, null, started);
                    if (await RequestPlugins.RunAsync(config.GlobalPlugins, config.NoPlugins, plugins) is null)
                    {
                        return;
                    }
                }
                await Error(context, 404, "404 Route Not Found");
                return;
            }
            routeId = route.Id;
            var routeChain = config.RoutePlugins.GetValueOrDefault(route.Id);
            // A route without plugins, in a group without global rules, needs no plugin context at all.
            var chain = PluginChain.Empty;
            if (routeChain is not null || config.GlobalPlugins.Count > 0)
            {
                plugins = Context(context, route, config, routeChain, started);
                if (await RequestPlugins.RunAsync(config.GlobalPlugins, routeChain ?? config.NoPlugins, plugins) is not { } ran)
                {
                    return;
                }
                chain = ran;
                if (chain.NeedsResponseBytes)
                {
                    CountResponseBytes(context, plugins); // the consumer brought a plugin that reads the response's size
                }
            }
            var upstream = plugins?.UpstreamOverride;
            if (upstream is null && (route.UpstreamKey is null || !config.Upstreams.TryGetValue(route.UpstreamKey, out upstream)))
            {
                await Error(context, 503, "missing upstream configuration in Route or Service");
                return;
            }
            if (upstream.ClientCertError is { } certError)
            {
                await Error(context, 502, certError);
                return;
            }
            var picker = Pickers.GetValue(upstream, INodePicker.For);
            var attempts = 1 + (HasBody(context.Request) ? 0 : upstream.Retries);
            var health = upstream.Checks is null ? null : NodeHealth.Of(upstream);
            // Only kept when another attempt may follow (retries on a bodiless request).
            List<UpstreamNode>? tried = null;
            for (var attempt = 1; attempt <= attempts; attempt++)
            {
                IReadOnlyCollection<UpstreamNode> avoid = health is null ? (IReadOnlyCollection<UpstreamNode>?)tried ?? [] : [.. tried ?? [], .. health.Unhealthy(upstream.Nodes)];
                if (picker.Pick(context, avoid) is not { } node)
                {
                    await Error(context, 502, "no upstream node available: every node has weight 0");
                    return;
                }
                if (attempt < attempts)
                {
                    (tried ??= new List<UpstreamNode>(attempts)).Add(node);
                }
                ForwarderError error;
                try
                {
                    var sent = 0L;
                    if (plugins is not null)
                    {
                        plugins.Node = node;
                        plugins.Forwarded = true;
                        sent = Stopwatch.GetTimestamp();
                    }
                    var transformer = new PluginTransformer(upstream, node, context.Request.Host.Value ?? node.Authority, plugins, chain, config.GlobalPlugins);
                    error = await forwarder.SendAsync(context, node.Destination(upstream.TransportScheme), clients.For(upstream), upstream.RequestConfig, transformer);
                    if (plugins?.UpstreamStatus is not null)
                    {
                        plugins.UpstreamElapsed = Stopwatch.GetElapsedTime(sent);
                    }
                    if (transformer.ReplacementBody is { } replacement)
                    {
                        await replacement.WriteBodyAsync(plugins!); // only a route's (or rule's) response-rewrite sets one
                    }
                    if (plugins?.ResponseBodyFilter is { } filter)
                    {
                        plugins.ResponseBodyFilter = null;
                        await filter.DisposeAsync();
                    }
                }
                finally
                {
                    picker.Release(node);
                }
                if (upstream.Checks?.Passive is { } passive)
                {
                    ReportPassive(health!, node, passive, error, context.Response.StatusCode);
                }
                if (error != ForwarderError.Request || context.Response.HasStarted || attempt == attempts)
                {
                    return;
                }
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Features.Set<IForwarderErrorFeature>(null);
            }
        }
        finally
        {
            if (plugins is not null)
            {
                RequestPlugins.Complete(config.GlobalPlugins, plugins);
                if (plugins.ResponseBytes is { } counted)
                {
                    context.Response.Body = counted.Inner;
                }
            }
            metrics.Request(routeId ?? "", context.Response.StatusCode);
        }
    }

    /// <summary>
    /// The request's plugin context; when a plugin of the route or of a global rule reads the response's size, the
    /// response body is counted from here on (below any compression).
    /// </summary>
    private static PluginContext Context(HttpContext context, CompiledRoute route, ProxyConfig config, PluginChain? routeChain, long started)
    {
        var plugins = new PluginContext(context, route, config.Consumers) { Upstreams = config.Upstreams, StartTimestamp = started };
        if (routeChain?.NeedsResponseBytes == true || config.GlobalsNeedResponseBytes)
        {
            CountResponseBytes(context, plugins);
        }
        return plugins;
    }

    /// <summary>Counts the response body's bytes from here on (below any compression), once per request.</summary>
    private static void CountResponseBytes(HttpContext context, PluginContext plugins)
    {
        if (plugins.ResponseBytes is null)
        {
            plugins.ResponseBytes = new CountingStream(context.Response.Body);
            context.Response.Body = plugins.ResponseBytes;
        }
    }

    /// <summary>Passive checks judge the node by this response: connect failures, timeouts, unhealthy statuses.</summary>
    private static void ReportPassive(NodeHealth health, UpstreamNode node, PassiveCheck passive, ForwarderError error, int status)
    {
        var observation = error switch
        {
            ForwarderError.Request => Observation.TcpFailure,
            ForwarderError.RequestTimedOut => Observation.Timeout,
            _ when passive.UnhealthyStatuses.Contains(status) => Observation.HttpFailure,
            _ when passive.HealthyStatuses.Contains(status) => Observation.Success,
            _ => (Observation?)null,
        };
        if (observation is { } o)
        {
            health.Report(node, o, passive.Successes, passive.HttpFailures, passive.TcpFailures, passive.Timeouts);
        }
    }

    private static bool HasBody(HttpRequest request) =>
        request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;

    public static Task Error(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(ClientJson.Serialize(new Dictionary<string, string> { ["error_msg"] = message }));
    }

    /// <summary>
    /// Sets the upstream Host (APISIX <c>pass_host</c>: <c>pass</c> the client's, the <c>node</c>'s, or <c>rewrite</c> to
    /// <c>upstream_host</c>; proxy-rewrite's <c>host</c> wins over all) and runs the plugins' response phase.
    /// </summary>
    private sealed class PluginTransformer(
        UpstreamDefinition upstream, UpstreamNode node, string clientHost, PluginContext? plugins, PluginChain chain, IReadOnlyList<PluginChain> globals) : HttpTransformer
    {
        public ResponseRewritePlugin? ReplacementBody { get; private set; }

        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await Default.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            proxyRequest.Headers.Host = plugins?.UpstreamHostOverride ?? upstream.PassHost switch
            {
                "node" => node.Authority,
                "rewrite" => upstream.UpstreamHost ?? node.Authority,
                _ => clientHost,
            };
        }

        public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
        {
            var copyBody = await Default.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
            if (proxyResponse is null || plugins is null)
            {
                return copyBody;
            }
            plugins.UpstreamStatus = (int)proxyResponse.StatusCode;
            plugins.UpstreamResponse = proxyResponse;
            foreach (var global in globals)
            {
                global.OnResponse(plugins);
            }
            ReplacementBody = FirstReplacingBody(chain) ?? globals.Select(FirstReplacingBody).FirstOrDefault(r => r is not null);
            chain.OnResponse(plugins);
            return copyBody && ReplacementBody is null;
        }

        private ResponseRewritePlugin? FirstReplacingBody(PluginChain pluginChain)
        {
            foreach (var rewrite in pluginChain.ResponseRewrites)
            {
                if (rewrite.ReplacesBody(plugins!)) // called only with a plugin context
                {
                    return rewrite;
                }
            }
            return null;
        }
    }
}
