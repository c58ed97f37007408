// Usage: YarpBaseline <port> <upstream base address, e.g. http://127.0.0.1:5000>
// YARP's direct forwarding with its default transformer and one shared client: what a .NET proxy costs before any of
// the data plane's own work, measured by DataPlaneBench proxy next to the DP and nginx.
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls($"http://127.0.0.1:{args[0]}");
builder.Services.AddHttpForwarder();
var app = builder.Build();
app.MapForwarder("/{**path}", args[1]);
app.Run();
