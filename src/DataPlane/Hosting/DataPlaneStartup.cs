using Microsoft.Extensions.DependencyInjection.Extensions;
using OrleansGateway.Configuration;
using OrleansGateway.Configuration.Certificates;
using OrleansGateway.DataPlane.Proxy;
using OrleansGateway.DataPlane.Sources;
using OrleansGateway.Snapshots;
using OrleansGateway.Snapshots.Stores;

namespace OrleansGateway.DataPlane.Hosting;

/// <summary>
/// The data plane's host wiring: the proxy on <c>apisix.node_listen</c>, status on <c>apisix.control</c>, OpenTelemetry
/// (OTLP only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; <c>/metrics</c> is served by <see cref="StatusEndpoints"/>).
/// </summary>
public static class DataPlaneStartup
{
    /// <summary><c>service.name</c> of a data-plane process unless <c>OTEL_SERVICE_NAME</c> is set.</summary>
    public const string DefaultServiceName = "orleans-gateway-dp";

    public static bool TryLoad(IConfigurationManager configuration, string[] args, out GatewayConfig config) =>
        GatewayConfigLoader.TryLoadForHost(configuration, args, DefaultServiceName, out config);

    public static WebApplicationBuilder AddDataPlane(this WebApplicationBuilder builder, GatewayConfig config)
    {
        builder.WebHost.UseUrls();
        builder.WebHost.ConfigureKestrel(k => k.ListenDataPlane(config));
        builder.Logging.AddGatewayLogging();
        builder.Services.AddGatewayTelemetry(builder.Configuration, DefaultServiceName,
            sources: [Observability.DataPlaneTracing.SourceName],
            meters: [Observability.DataPlaneMetrics.MeterName]);

        if (config.Certs is { } certs)
        {
            builder.Services.AddSingleton(sp =>
            {
                var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("OrleansGateway.DataPlane.Tls");
                return new PeerCertificateValidator(new CertificateFiles(certs, logger), logger);
            });
        }
        builder.Services.AddDataPlaneServices(config, sp =>
        {
            var tls = sp.GetService<PeerCertificateValidator>();
            return async (timeout, ct) => await ControlPlaneConnection.ConnectAsync(config, tls, timeout, ct);
        });
        return builder;
    }

    /// <summary>
    /// The proxy ports (all interfaces, as APISIX's node_listen) and the status port. Cleartext HTTP/2 needs a port of
    /// its own (prior knowledge, what gRPC clients speak): Kestrel cannot tell it from HTTP/1.1 on one plain port.
    /// </summary>
    public static void ListenDataPlane(this Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel, GatewayConfig config)
    {
        foreach (var listener in config.NodeListeners)
        {
            kestrel.ListenAnyIP(listener.Port, o => o.Protocols = listener.EnableHttp2
                ? Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2
                : Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1);
        }
        kestrel.Listen(config.Control);
    }

    /// <summary>
    /// Everything the proxy needs, for a data-plane process or inside a silo (<c>traditional</c> role);
    /// <paramref name="link"/> says how the control plane is reached.
    /// </summary>
    /// <param name="localCache">
    /// Keep the local configuration cache. A proxy inside a silo (<c>traditional</c>) has none: it cannot start
    /// without its silo, which has the store, so the cache could never serve and would only cost a full write of the
    /// group per change on the write path.
    /// </param>
    public static IServiceCollection AddDataPlaneServices(this IServiceCollection services, GatewayConfig config, Func<IServiceProvider, ControlPlaneLinkFactory> link, bool localCache = true)
    {
        services.TryAddSingleton(config);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ControlPlaneLinkFactory>(sp => link(sp));
        services.AddHttpForwarder();
        services.AddSingleton<UpstreamClients>();
        services.AddSingleton<ProxyConfigHolder>();
        services.AddSingleton<ProxyMiddleware>();
        services.AddSingleton<DataPlaneStatus>();
        services.AddSingleton<StatusEndpoints>();
        services.AddSingleton<Observability.DataPlaneMetrics>();
        services.AddSingleton(new LocalConfigCache(config.DataDir, config.GatewayGroupId) { Enabled = localCache });
        services.TryAddSingleton<ISnapshotStore>(_ => config.FallbackCp.AwsS3 is { } s3
            ? new S3SnapshotStore(s3)
            : new FolderSnapshotStore(config.FallbackCp.Folder ?? Path.Combine(config.DataDir, "snapshots")));
        services.AddSingleton(sp =>
        {
            var layout = config.FallbackCp.AwsS3 is { } s3 ? new SnapshotLayout(s3.ResourceBucket, s3.ConfigBucket) : SnapshotLayout.Embedded;
            var reader = new SnapshotReader(sp.GetRequiredService<ISnapshotStore>(), layout, config.GatewayGroupId, SnapshotLayout.Resources, config.FallbackCp.EncryptionKey);
            return new FallbackSnapshotPoller(reader, sp.GetRequiredService<ProxyConfigHolder>(), sp.GetRequiredService<DataPlaneStatus>(),
                config.ConfigProvider == "yaml" ? "standalone" : "fallback", sp.GetRequiredService<ILoggerFactory>().CreateLogger<FallbackSnapshotPoller>(), sp.GetRequiredService<TimeProvider>());
        });
        services.AddHostedService<ConfigSourceSupervisor>();
        services.AddHostedService<Health.ActiveHealthChecker>();
        return services;
    }

    public static WebApplication MapDataPlane(this WebApplication app, GatewayConfig config)
    {
        var holder = app.Services.GetRequiredService<ProxyConfigHolder>();
        Plugins.PluginDiagnostics.Use(app.Services.GetRequiredService<ILoggerFactory>());
        var cache = app.Services.GetRequiredService<LocalConfigCache>();
        var cacheLogger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<LocalConfigCache>();
        var metrics = app.Services.GetRequiredService<Observability.DataPlaneMetrics>();
        holder.Applied += applied =>
        {
            metrics.Applied(applied);
            if (applied.Source != "cache")
            {
                cache.Schedule(applied, cacheLogger);
            }
        };
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            try
            {
                cache.Flush();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                cacheLogger.LogWarning("Could not write the local configuration cache {Path} at shutdown: {Message}", cache.Path, e.Message);
            }
        });
        var controlPort = config.Control.Port;
        var nodePorts = config.NodeListeners.Select(l => l.Port).ToHashSet();
        var statusEndpoints = app.Services.GetRequiredService<StatusEndpoints>();
        app.MapWhen(c => c.Connection.LocalPort == controlPort, control => control.Run(statusEndpoints.HandleAsync));
        var proxy = app.Services.GetRequiredService<ProxyMiddleware>();
        app.MapWhen(c => nodePorts.Contains(c.Connection.LocalPort), node => node.Run(proxy.InvokeAsync));
        return app;
    }
}
