using OrleansGateway.Configuration;

namespace OrleansGateway.Silo.AdminApi;

public static class AdminApiExtensions
{
    public static WebApplicationBuilder AddAdminApi(this WebApplicationBuilder builder, GatewayConfig config)
    {
        builder.Services.AddSingleton<AdminKeyStore>();
        builder.Services.AddOpenApi();
        return builder;
    }

    public static WebApplication MapAdminApi(this WebApplication app)
    {
        _ = app.Services.GetRequiredService<AdminKeyStore>(); // generate or load the key at start, not on first request
        app.UseMiddleware<AdminKeyMiddleware>();
        app.UseMiddleware<AdminWriteMetricsMiddleware>();
        app.UseExceptionHandler(e => e.Run(context =>
            AdminResponses.Error(500, "internal error; see the silo log").ExecuteAsync(context)));
        app.MapHealthEndpoints();
        app.MapResourceEndpoints();
        app.MapGroupEndpoints();
        app.MapClusterEndpoints();
        app.MapSnapshotEndpoints();
        return app;
    }
}
