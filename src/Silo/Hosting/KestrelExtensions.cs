using OrleansGateway.Configuration;

namespace OrleansGateway.Silo.Hosting;

public static class KestrelExtensions
{
    /// <summary>
    /// The Admin API (and OpenAPI, the dashboard) on <c>deployment.admin.admin_listen</c>, over HTTPS with
    /// <c>deployment.admin.https_admin</c>; in the <c>traditional</c> role also the
    /// proxy on <c>apisix.node_listen</c> and its status on <c>apisix.control</c>.
    /// </summary>
    public static WebApplicationBuilder AddGatewayKestrel(this WebApplicationBuilder builder, GatewayConfig config)
    {
        builder.WebHost.UseUrls();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(config.AdminListen, listen =>
            {
                if (config.AdminHttps is { } https)
                {
                    var logger = k.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("OrleansGateway.Silo.AdminApi");
                    listen.UseAdminHttps(https, logger);
                }
            });
            if (config.Role == "traditional")
            {
                OrleansGateway.DataPlane.Hosting.DataPlaneStartup.ListenDataPlane(k, config);
            }
            k.Limits.MaxRequestBodySize = null; // RequestBody enforces deployment.admin.max_body_bytes with a clear 400
        });
        return builder;
    }
}
