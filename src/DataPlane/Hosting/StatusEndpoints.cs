using System.Text.Json;
using OrleansGateway.Configuration;
using OrleansGateway.Configuration.Certificates;
using OrleansGateway.DataPlane.Proxy;
using OrleansGateway.DataPlane.Sources;

namespace OrleansGateway.DataPlane.Hosting;

/// <summary>
/// <c>/status</c>, <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c> (Prometheus; also at APISIX's
/// <c>/apisix/prometheus/metrics</c>, with the prometheus plugin's series) on the status port (as APISIX's control API). A plain handler, not
/// endpoints: inside a silo (<c>traditional</c> role) they must not mix with the Admin API's routes.
/// </summary>
public sealed class StatusEndpoints(GatewayConfig config, ProxyConfigHolder holder, DataPlaneStatus status, Observability.DataPlaneMetrics metrics)
{
    public Task HandleAsync(HttpContext context)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.StatusCode = 405;
            return Task.CompletedTask;
        }
        return context.Request.Path.Value switch
        {
            "/healthz" => Text(context, 200, "ok"),
            "/readyz" => holder.Current.Source == "empty" ? Text(context, 503, "no configuration applied yet") : Text(context, 200, "ready"),
            "/status" => StatusAsync(context),
            "/metrics" or "/apisix/prometheus/metrics" => Metrics(context),
            _ => Text(context, 404, "not found"),
        };
    }

    private Task StatusAsync(HttpContext context)
    {
        var current = holder.Current;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["gateway_group_id"] = config.GatewayGroupId,
            ["mode"] = current.Source == "empty" ? "empty" : status.Mode,
            ["version"] = current.Version,
            ["source"] = current.Source,
            ["applied_at"] = current.Source == "empty" ? null : current.AppliedAt,
            ["routes"] = current.Routes.Count,
            ["control_plane_connected"] = status.ControlPlaneConnected,
            ["control_plane_error"] = status.ControlPlaneError,
            ["apply_error"] = status.ApplyError,
            ["last_poll"] = status.LastPollAt is null ? null : new Dictionary<string, object?>
            {
                ["at"] = status.LastPollAt,
                ["result"] = status.LastPollResult,
                ["error"] = status.LastPollError,
            },
            ["refused_snapshots"] = status.RefusedSnapshots,
            ["orleans_transport"] = OrleansTransportStatus.Describe(config),
            ["warnings"] = OrleansTransportStatus.Warnings(config),
        }));
    }

    private Task Metrics(HttpContext context)
    {
        context.Response.ContentType = "text/plain; version=0.0.4";
        var text = new System.Text.StringBuilder(metrics.Render());
        Observability.ApisixMetrics.Shared.Render(text); // the prometheus plugin's, with APISIX's names
        return context.Response.WriteAsync(text.ToString());
    }

    private static Task Text(HttpContext context, int code, string text)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "text/plain";
        return context.Response.WriteAsync(text);
    }
}
