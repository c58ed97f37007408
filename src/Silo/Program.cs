using OrleansGateway.Configuration;
using OrleansGateway.Silo.AdminApi;
using OrleansGateway.Silo.WebConsole;
using OrleansGateway.Silo.Dashboard;
using OrleansGateway.Silo.Hosting;

var builder = WebApplication.CreateBuilder(ConsoleExtensions.Options(args));
if (!StartupErrors.TryLoad(builder.Configuration, args, out var config))
{
    return 2;
}

builder.AddGatewayLogging();
builder.AddGatewayTelemetry(config);
builder.AddGatewayKestrel(config);
builder.AddGatewaySilo(config);
builder.AddAdminApi(config);
builder.AddGatewayDashboard(config);
builder.AddGatewayConsole(config);
builder.AddTraditionalDataPlane(config);

var app = builder.Build();
await app.InitializeStorageAsync();
app.MapTraditionalDataPlane(config);
app.MapAdminApi();
app.MapGatewayDashboard(config);
app.MapGatewayConsole(config);
app.MapOpenApi();
app.MapGatewayMetrics();
app.LogWhenReady(config);

await app.RunAsync();
return 0;
