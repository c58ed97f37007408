namespace OrleansGateway.Contracts.Resources;

/// <summary>The kinds of resource a gateway group holds, as in the APISIX Admin API.</summary>
public enum ResourceKind
{
    /// <summary>A route: matching rules plus plugins and an upstream.</summary>
    Route = 0,
    /// <summary>A service: defaults shared by routes (upstream, plugins).</summary>
    Service = 1,
    /// <summary>An upstream: a set of nodes with a balancing policy.</summary>
    Upstream = 2,
    /// <summary>A consumer: an API caller with authentication plugins.</summary>
    Consumer = 3,
    /// <summary>A TLS certificate and key for SNIs.</summary>
    Ssl = 4,
    /// <summary>Plugins that run for every request of the group.</summary>
    GlobalRule = 5,
    /// <summary>A reusable set of plugins that routes take by <c>plugin_config_id</c>.</summary>
    PluginConfig = 6,
    /// <summary>Plugins shared by the consumers that name it in <c>group_id</c>.</summary>
    ConsumerGroup = 7,
    /// <summary>A plugin's group-wide settings (a logger's <c>log_format</c>), named by the plugin.</summary>
    PluginMetadata = 8,
    /// <summary>A protobuf definition, for gRPC transcoding.</summary>
    Proto = 9,
}
