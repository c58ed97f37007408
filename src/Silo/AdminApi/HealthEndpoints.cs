using OrleansGateway.Contracts.Grains;

namespace OrleansGateway.Silo.AdminApi;

/// <summary>Unauthenticated probes: <c>/healthz</c> (process up), <c>/readyz</c> (the silo answers grain calls).</summary>
public static class HealthEndpoints
{
    public static void MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Text("ok")).WithTags("Health");
        app.MapGet("/readyz", async (IGrainFactory grains, CancellationToken ct) =>
        {
            try
            {
                var info = await grains.GetGrain<IGatewayGroupGrain>("default").GetInfo().WaitAsync(TimeSpan.FromSeconds(5), ct);
                return info.Group is null ? Results.Text("not ready", statusCode: 503) : Results.Text("ready");
            }
            catch (Exception e) when (e is TimeoutException or OrleansException or InvalidOperationException)
            {
                return Results.Text($"not ready: {e.GetType().Name}", statusCode: 503);
            }
        }).WithTags("Health");
    }
}
