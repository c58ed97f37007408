using System.Text.Json.Nodes;

namespace OrleansGateway.Contracts.Validation;

/// <summary>APISIX's checks of a route made before its schema, with APISIX's texts.</summary>
public static class RouteChecks
{
    /// <summary>Null when the route passes, or APISIX's error text.</summary>
    public static string? BeforeSchema(JsonObject route)
    {
        if (route.ContainsKey("host") && route.ContainsKey("hosts"))
        {
            return "only one of host or hosts is allowed";
        }
        return route.ContainsKey("remote_addr") && route.ContainsKey("remote_addrs")
            ? "only one of remote_addr or remote_addrs is allowed"
            : null;
    }
}
