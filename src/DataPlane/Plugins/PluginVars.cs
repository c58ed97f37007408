using System.Globalization;
using OrleansGateway.DataPlane.Routing;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// APISIX's variables as plugins read them: the request's (<see cref="VarsExpression.Resolve"/>) and what the gateway
/// knows of it (<c>consumer_name</c>, <c>consumer_group_id</c>, <c>route_id</c>, <c>route_name</c>, <c>service_id</c>,
/// <c>remote_port</c>, <c>server_addr</c>).
/// </summary>
public static class PluginVars
{
    public static string? Resolve(PluginContext context, string name) => name switch
    {
        "consumer_name" => context.Consumer?.Username,
        "consumer_group_id" => context.Consumer?.GroupId,
        "route_id" => context.Route.Id,
        "service_id" => context.Route.ServiceId,
        "remote_port" => context.Http.Connection.RemotePort.ToString(CultureInfo.InvariantCulture),
        "server_addr" => context.Http.Connection.LocalIpAddress?.ToString(),
        _ => VarsExpression.Resolve(context.Request, name),
    };
}
