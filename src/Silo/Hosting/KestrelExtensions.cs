using OrleansGateway.Configuration;

namespace OrleansGateway.Silo.Hosting;

public static class KestrelExtensions
{
    /// <summary>
    /// The Admin API (and OpenAPI) on <c>deployment.admin.admin_listen</c>; in the <c>traditional</c> role also the
    /// proxy on <c>apisix.node_listen</c> and its status on <c>apisix.control</c>.
    /// </summary>
    public static WebApplicationBuilder AddGatewayKestrel(this WebApplicationBuilder builder, GatewayConfig config)
    {
        builder.WebHost.UseUrls();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(config.AdminListen);
            if (config.Role == "traditional")
            {
                OrleansGateway.DataPlane.Hosting.DataPlaneStartup.ListenDataPlane(k, config);
            }
            k.Limits.MaxRequestBodySize = null; // RequestBody enforces deployment.admin.max_body_bytes with a clear 400
        });
        return builder;
    }
}
