using System.Text.Json;
using OrleansGateway.Configuration;

namespace OrleansGateway.DataPlane.Hosting;

/// <summary>
/// The data plane's host wiring. For now it listens on the proxy and status ports and answers as APISIX does when
/// no route matches; the route table, sources and plugins come with the data-plane issue.
/// </summary>
public static class DataPlaneStartup
{
    public static bool TryLoad(IConfigurationManager configuration, string[] args, out GatewayConfig config)
    {
        try
        {
            configuration.AddGatewayConfig(args);
            config = GatewayConfigLoader.Load(configuration);
            return true;
        }
        catch (GatewayConfigException e)
        {
            Console.Error.WriteLine($"orleans-gateway-dp: {e.Message}");
            config = new GatewayConfig();
            return false;
        }
    }

    public static WebApplicationBuilder AddDataPlaneListeners(this WebApplicationBuilder builder, GatewayConfig config)
    {
        builder.WebHost.UseUrls();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ListenAnyIP(config.NodeListen);
            k.Listen(config.Control);
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        return builder;
    }

    public static WebApplication MapDataPlaneEndpoints(this WebApplication app, GatewayConfig config)
    {
        var controlPort = config.Control.Port;
        app.MapGet("/healthz", () => Results.Text("ok")).RequireHost($"*:{controlPort}");
        app.MapGet("/status", () => Results.Json(new { gateway_group_id = config.GatewayGroupId, mode = "empty", version = 0 }))
            .RequireHost($"*:{controlPort}");
        app.MapFallback(async context =>
        {
            context.Response.StatusCode = 404;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(new { error_msg = "404 Route Not Found" }));
        });
        return app;
    }
}
