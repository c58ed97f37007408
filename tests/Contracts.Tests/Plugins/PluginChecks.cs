using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.Contracts.Tests.Plugins;

/// <summary>Checks a <c>plugins</c> object as the Admin API does on a route, for the plugin schema tests.</summary>
internal static class PluginChecks
{
    /// <summary>The error of a route carrying <paramref name="plugins"/>; null when it is valid.</summary>
    public static string? Route(string plugins) =>
        ResourceValidator.Validate(ResourceKind.Route, "1", JsonNode.Parse("""{"uri":"/a","upstream":{"nodes":{"127.0.0.1:1":1}},"plugins":""" + plugins + "}")!.AsObject());

    /// <summary>Asserts that <paramref name="plugins"/> (one plugin) is refused with <c>failed to check … err: </c><paramref name="expected"/>…</summary>
    public static void RefusedWith(string plugins, string expected)
    {
        var plugin = JsonNode.Parse(plugins)!.AsObject().First().Key;
        Assert.StartsWith($"failed to check the configuration of plugin {plugin} err: {expected}", AdminErrors.Split(Route(plugins)!).Message);
    }
}
