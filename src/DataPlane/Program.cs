using OrleansGateway.DataPlane.Hosting;

var builder = WebApplication.CreateBuilder(args);
if (!DataPlaneStartup.TryLoad(builder.Configuration, args, out var config))
{
    return 2;
}

builder.AddDataPlaneListeners(config);
var app = builder.Build();
app.MapDataPlaneEndpoints(config);
await app.RunAsync();
return 0;
