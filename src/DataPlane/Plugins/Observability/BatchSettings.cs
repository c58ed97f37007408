using System.Text.Json.Nodes;

namespace OrleansGateway.DataPlane.Plugins.Observability;

/// <summary>A batch processor's settings, from a logger's configuration (APISIX's names and defaults).</summary>
public sealed record BatchSettings(string Plugin, string Name, int BatchMaxSize, TimeSpan InactiveTimeout, TimeSpan BufferDuration, int MaxRetryCount, TimeSpan RetryDelay)
{
    public static BatchSettings From(string plugin, JsonObject config, string defaultName) => new(
        plugin,
        config["name"]?.GetValue<string>() ?? defaultName,
        config["batch_max_size"]?.GetValue<int>() ?? 1000,
        TimeSpan.FromSeconds(config["inactive_timeout"]?.GetValue<int>() ?? 5),
        TimeSpan.FromSeconds(config["buffer_duration"]?.GetValue<int>() ?? 60),
        config["max_retry_count"]?.GetValue<int>() ?? 0,
        TimeSpan.FromSeconds(config["retry_delay"]?.GetValue<int>() ?? 1));
}
