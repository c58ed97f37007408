using OrleansGateway.Configuration;
using OrleansGateway.DataPlane.Proxy;
using OrleansGateway.DataPlane.Sources;

namespace OrleansGateway.DataPlane.Hosting;

/// <summary><c>/status</c>, <c>/healthz</c>, <c>/readyz</c> on the status port (as APISIX's control API).</summary>
public static class StatusEndpoints
{
    public static void MapStatusEndpoints(this IEndpointRouteBuilder app, GatewayConfig config)
    {
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", (ProxyConfigHolder holder) =>
            holder.Current.Source == "empty" ? Results.Text("no configuration applied yet", statusCode: 503) : Results.Text("ready"));
        app.MapGet("/status", (ProxyConfigHolder holder, DataPlaneStatus status) =>
        {
            var current = holder.Current;
            return Results.Json(new Dictionary<string, object?>
            {
                ["gateway_group_id"] = config.GatewayGroupId,
                ["mode"] = current.Source == "empty" ? "empty" : status.Mode,
                ["version"] = current.Version,
                ["source"] = current.Source,
                ["applied_at"] = current.Source == "empty" ? null : current.AppliedAt,
                ["routes"] = current.Routes.Count,
                ["control_plane_connected"] = status.ControlPlaneConnected,
                ["last_poll"] = status.LastPollAt is null ? null : new Dictionary<string, object?>
                {
                    ["at"] = status.LastPollAt,
                    ["result"] = status.LastPollResult,
                    ["error"] = status.LastPollError,
                },
                ["refused_snapshots"] = status.RefusedSnapshots,
            });
        });
    }
}
