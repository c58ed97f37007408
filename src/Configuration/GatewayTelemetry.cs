using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace OrleansGateway.Configuration;

/// <summary>
/// The OpenTelemetry setup both hosts share. Export is opt-in through the standard variables: with
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set, traces, metrics and logs go out over OTLP (<c>OTEL_EXPORTER_OTLP_PROTOCOL</c>,
/// <c>OTEL_EXPORTER_OTLP_HEADERS</c>, <c>OTEL_BSP_SCHEDULE_DELAY</c>, <c>OTEL_METRIC_EXPORT_INTERVAL</c> … are read by
/// the SDK); without it no span is even created, and metrics only feed what the host adds itself (the silo's
/// Prometheus endpoint).
/// </summary>
public static class GatewayTelemetry
{
    /// <summary>
    /// Grain-call spans, recorded by both hosts. Orleans files calls to interfaces in an <c>Orleans…</c> namespace —
    /// ours included (<c>OrleansGateway.*</c>) — under its runtime source; <see cref="TraceRootSampler"/> keeps its
    /// background calls out.
    /// </summary>
    public static readonly string[] OrleansSources =
        [Orleans.Diagnostics.ActivitySources.RuntimeActivitySourceName, Orleans.Diagnostics.ActivitySources.ApplicationGrainActivitySourceName];

    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>True when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> names a collector.</summary>
    public static bool OtlpEnabled(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[OtlpEndpointVariable]);

    /// <param name="services">The host's services.</param>
    /// <param name="configuration">Where the <c>OTEL_*</c> variables are read.</param>
    /// <param name="defaultServiceName"><c>service.name</c> unless <c>OTEL_SERVICE_NAME</c> says otherwise.</param>
    /// <param name="sources">Activity sources to record besides <see cref="OrleansSources"/> (only when exporting).</param>
    /// <param name="meters">Meters to collect.</param>
    /// <param name="tracing">Host-specific tracing (instrumentation), run only when exporting.</param>
    /// <param name="metrics">Host-specific metric readers (a Prometheus endpoint), always run.</param>
    public static IServiceCollection AddGatewayTelemetry(
        this IServiceCollection services,
        IConfiguration configuration,
        string defaultServiceName,
        IReadOnlyList<string> sources,
        IReadOnlyList<string> meters,
        Action<TracerProviderBuilder>? tracing = null,
        Action<MeterProviderBuilder>? metrics = null)
    {
        var otlp = OtlpEnabled(configuration);
        if (!otlp && metrics is null)
        {
            return services;
        }
        var telemetry = services.AddOpenTelemetry().ConfigureResource(resource =>
        {
            // The SDK's environment detector already applied OTEL_SERVICE_NAME; a name added here would override it.
            if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]))
            {
                resource.AddService(defaultServiceName);
            }
        });
        telemetry.WithMetrics(m =>
        {
            m.AddMeter([.. meters]);
            metrics?.Invoke(m);
            if (otlp)
            {
                m.AddOtlpExporter();
            }
        });
        if (otlp)
        {
            telemetry.WithTracing(t =>
            {
                t.SetSampler(TraceRootSampler.Create());
                t.AddSource([.. OrleansSources, .. sources]);
                tracing?.Invoke(t);
                t.AddOtlpExporter();
            });
            // The same operator lines as the console, with the trace they belong to.
            telemetry.WithLogging(l => l.AddOtlpExporter());
        }
        return services;
    }
}
