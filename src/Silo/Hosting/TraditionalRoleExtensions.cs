using OrleansGateway.Configuration;
using OrleansGateway.DataPlane.Hosting;
using OrleansGateway.DataPlane.Sources;

namespace OrleansGateway.Silo.Hosting;

/// <summary>
/// <c>deployment.role: traditional</c> (the default, as in APISIX): the silo also runs the proxy for
/// <c>deployment.gateway_group_id</c>, fed by the silo's own grains and stream — one command serves the Admin API and
/// proxies traffic. <c>control_plane</c> runs the silo alone.
/// </summary>
public static class TraditionalRoleExtensions
{
    public static WebApplicationBuilder AddTraditionalDataPlane(this WebApplicationBuilder builder, GatewayConfig config)
    {
        if (config.Role == "traditional")
        {
            builder.Services.AddDataPlaneServices(config, sp => (_, _) =>
                Task.FromResult<IControlPlaneLink>(new ClusterClientLink(sp.GetRequiredService<IClusterClient>())), localCache: false);
        }
        return builder;
    }

    public static WebApplication MapTraditionalDataPlane(this WebApplication app, GatewayConfig config)
    {
        if (config.Role == "traditional")
        {
            app.MapDataPlane(config);
        }
        return app;
    }
}
