namespace OrleansGateway.TestSupport;

/// <summary>The environment of a data plane that follows a silo (and falls back to the snapshot store the silo writes to).</summary>
public static class DataPlaneEnvironment
{
    /// <summary>
    /// <paramref name="snapshotEnv"/> (the silo's <c>fallback_cp</c> settings) for a data plane connected to
    /// <paramref name="silo"/>'s gateway, falling back after 2 s and polling every 500 ms.
    /// </summary>
    public static Dictionary<string, string> Following(SiloProcess silo, IDictionary<string, string> snapshotEnv) => new(snapshotEnv)
    {
        ["deployment__role"] = "data_plane",
        ["deployment__orleans__gateways__0"] = $"127.0.0.1:{silo.GatewayPort}",
        ["fallback_cp__fallback_after"] = "2s",
        ["fallback_cp__poll_interval"] = "500ms",
    };
}
