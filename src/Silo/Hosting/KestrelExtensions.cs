using OrleansGateway.Configuration;

namespace OrleansGateway.Silo.Hosting;

public static class KestrelExtensions
{
    /// <summary>Serves the Admin API (and OpenAPI) on <c>deployment.admin.admin_listen</c> only.</summary>
    public static WebApplicationBuilder AddGatewayKestrel(this WebApplicationBuilder builder, GatewayConfig config)
    {
        builder.WebHost.UseUrls();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(config.AdminListen);
            k.Limits.MaxRequestBodySize = null; // RequestBody enforces deployment.admin.max_body_bytes with a clear 400
        });
        return builder;
    }
}
