using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using OrleansGateway.Configuration;
using OrleansGateway.DataPlane.Observability;
using OrleansGateway.Grains.Observability;

namespace OrleansGateway.Silo.Hosting;

/// <summary>
/// The silo's OpenTelemetry: Prometheus <c>/metrics</c> on the Admin API port, always; with
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> also OTLP traces (Admin API requests, grain calls, our spans), metrics and logs.
/// </summary>
public static class TelemetryExtensions
{
    public const string DefaultServiceName = "orleans-gateway";

    public static WebApplicationBuilder AddGatewayTelemetry(this WebApplicationBuilder builder, GatewayConfig config)
    {
        builder.Services.AddSingleton<ControlPlaneMetrics>();
        // Grain calls carry the caller's trace context (W3C) and get spans of their own while a tracer listens.
        builder.UseOrleans(silo => silo.AddActivityPropagation());
        var adminPort = config.AdminListen.Port;
        builder.Services.AddGatewayTelemetry(
            builder.Configuration,
            DefaultServiceName,
            sources: [ControlPlaneTracing.SourceName, DataPlaneTracing.SourceName],
            meters: [ControlPlaneMetrics.MeterName, DataPlaneMetrics.MeterName],
            tracing: t => t.AddAspNetCoreInstrumentation(o => o.Filter = context => IsTracedAdminRequest(context, adminPort)),
            metrics: m => m.AddPrometheusExporter());
        return builder;
    }

    /// <summary>
    /// <c>GET /metrics</c> (Prometheus text) on the Admin API port, without the admin key, like <c>/healthz</c>: it
    /// holds counts and versions per group, no configuration and no secret, and scrapers rarely send custom headers.
    /// The port is loopback by default; expose it no wider than the Admin API itself.
    /// </summary>
    public static WebApplication MapGatewayMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    /// <summary>Admin API calls only: not the proxy or status ports of the traditional role, not probes or scrapes.</summary>
    private static bool IsTracedAdminRequest(HttpContext context, int adminPort) =>
        context.Connection.LocalPort == adminPort
        && !context.Request.Path.StartsWithSegments("/metrics")
        && !context.Request.Path.StartsWithSegments("/healthz")
        && !context.Request.Path.StartsWithSegments("/readyz");
}
