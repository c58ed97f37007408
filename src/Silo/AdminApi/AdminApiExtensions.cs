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
        if (app.Services.GetRequiredService<GatewayConfig>().AdminCors)
        {
            app.UseMiddleware<AdminCorsMiddleware>(); // before the key check: a preflight carries no key
        }
        app.UseMiddleware<AdminKeyMiddleware>();
        app.UseMiddleware<AdminWriteMetricsMiddleware>();
        app.UseExceptionHandler(e => e.Run(context =>
        {
            var error = context.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Error;
            // The call never reached the grain (its silo just died; until the cluster declares it dead and the grain
            // moves, calls are rejected): nothing was applied, so 503 and a retry are safe.
            if (error is OrleansMessageRejectionException)
            {
                context.Response.Headers.RetryAfter = "1";
                return AdminResponses.Error(503, "the control plane is failing over (the group's silo stopped answering): the request was not applied; retry").ExecuteAsync(context);
            }
            // No answer in time: the write may still commit. A blind retry of a POST could create a second resource.
            if (error is TimeoutException)
            {
                return AdminResponses.Error(504, "the control plane did not answer in time: the outcome is unknown; read the resource back before retrying").ExecuteAsync(context);
            }
            return AdminResponses.Error(500, "internal error; see the silo log").ExecuteAsync(context);
        }));
        app.MapHealthEndpoints();
        app.MapResourceEndpoints();
        app.MapToolEndpoints();
        app.MapGroupEndpoints();
        app.MapClusterEndpoints();
        app.MapSnapshotEndpoints();
        app.MapHistoryEndpoints();
        return app;
    }
}
