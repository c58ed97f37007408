using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// Where a stateful plugin keeps its counters: its owner and a digest of its configuration (<c>routes/1:1a2b3c4d</c>),
/// as APISIX's <c>resource_key:conf_version</c>. The same on every data plane of a group (a shared Redis counter is
/// found by all of them), and new when the plugin's configuration changes.
/// </summary>
public static class PluginScope
{
    public static string Of(string owner, JsonObject config)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(config.ToJsonString()), digest);
        return $"{owner}:{Convert.ToHexStringLower(digest[..4])}";
    }
}
