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
        {
            // A grain on a silo that just died answers with these until the cluster declares it dead and the grain
            // moves (seconds): the request was not acknowledged, and saying so with 503 lets clients retry.
            if (context.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Error is TimeoutException or OrleansMessageRejectionException)
            {
                context.Response.Headers.RetryAfter = "1";
                return AdminResponses.Error(503, "the control plane is failing over (a silo stopped answering): the request was not acknowledged; retry").ExecuteAsync(context);
            }
            return AdminResponses.Error(500, "internal error; see the silo log").ExecuteAsync(context);
        }));
        app.MapHealthEndpoints();
        app.MapResourceEndpoints();
        app.MapGroupEndpoints();
        app.MapClusterEndpoints();
        app.MapSnapshotEndpoints();
        return app;
    }
}
