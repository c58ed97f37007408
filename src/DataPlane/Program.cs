using OrleansGateway.DataPlane.Hosting;

var builder = WebApplication.CreateBuilder(args);
if (!DataPlaneStartup.TryLoad(builder.Configuration, args, out var config))
{
    return 2;
}

builder.AddDataPlane(config);
var app = builder.Build();
app.MapDataPlane(config);
await app.RunAsync();
return 0;
