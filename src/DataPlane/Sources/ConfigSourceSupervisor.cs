using OrleansGateway.Configuration;
using OrleansGateway.DataPlane.Proxy;

namespace OrleansGateway.DataPlane.Sources;

/// <summary>
/// The one place that decides where the data plane's configuration comes from (ARCHITECTURE.md's state machine):
/// <list type="bullet">
/// <item><c>cache</c>: at start, the local cache is served at once, if there is one;</item>
/// <item><c>standalone</c> (<c>role_data_plane.config_provider: yaml</c>, the seed's manual mode): never contacts a
/// control plane, polls the fallback store every <c>poll_interval</c>;</item>
/// <item><c>fallback</c>: polling the fallback store because no control plane is available. The control-plane
/// source (Orleans client, grain stream, switch back) is not built yet, so a non-standalone data plane stays here.</item>
/// </list>
/// Every transition goes through <see cref="ProxyConfigHolder.TryApply"/>: only a strictly newer version replaces
/// the served one.
/// </summary>
public sealed class ConfigSourceSupervisor(
    GatewayConfig config,
    ProxyConfigHolder holder,
    DataPlaneStatus status,
    LocalConfigCache cache,
    FallbackSnapshotPoller poller,
    ILogger<ConfigSourceSupervisor> logger,
    TimeProvider time) : BackgroundService
{
    private bool Standalone => config.ConfigProvider == "yaml";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LoadCache();
        var mode = Standalone ? "standalone" : "fallback";
        logger.LogInformation("Data plane for group {Group} in {Mode} mode, polling the fallback store every {Interval}",
            config.GatewayGroupId, mode, config.FallbackCp.PollInterval);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await poller.PollOnceAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(e, "Fallback poll failed unexpectedly; still serving version {Version}", holder.Current.Version);
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            if (holder.Current.Source != "cache" || status.LastPollResult == "newer")
            {
                status.SetMode(mode, controlPlaneConnected: false);
            }
            try
            {
                await Task.Delay(config.FallbackCp.PollInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void LoadCache()
    {
        var cached = cache.TryRead(time.GetUtcNow(), out var problem);
        if (problem is not null)
        {
            logger.LogWarning("Ignoring the local configuration cache: {Problem}", problem);
        }
        if (cached is not null && holder.TryApply(cached))
        {
            status.SetMode("cache", controlPlaneConnected: false);
            logger.LogInformation("Serving cached configuration version {Version} of group {Group} ({Routes} routes) from {Path}",
                cached.Version, config.GatewayGroupId, cached.Routes.Count, cache.Path);
        }
    }
}
