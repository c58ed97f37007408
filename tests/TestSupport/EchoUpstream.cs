using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OrleansGateway.TestSupport;

/// <summary>
/// A real HTTP upstream on a loopback port: answers every request with JSON describing it
/// (<c>origin</c>, <c>host</c>, <c>path</c>, <c>method</c>, <c>upstream</c>, <c>headers</c>), like httpbin's <c>/ip</c>.
/// </summary>
public sealed class EchoUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EchoUpstream(WebApplication app, int port, string name)
    {
        _app = app;
        Port = port;
        Name = name;
    }

    public int Port { get; }

    private int _inFlight;

    /// <summary>Requests it is answering right now (one that sleeps is counted until it answered).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Every request it received, as <c>METHOD path?query</c> with its body (for mirrors and counts).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<(string Request, string Body, string? Host)> Received { get; } = new();

    /// <summary>The last Authorization header received, by <c>METHOD path</c>.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, string> ReceivedHeaders { get; } = new();

    public string Name { get; }

    public string Address => $"127.0.0.1:{Port}";

    /// <summary>
    /// Starts the upstream; with <paramref name="http2Only"/> it speaks only cleartext HTTP/2 (prior knowledge, as a
    /// gRPC server does) and answers gRPC-style trailers; with <paramref name="tls"/> (PEM files) it speaks HTTPS, asks
    /// for a client certificate and names the one it got (<c>client_cert</c>).
    /// </summary>
    public static async Task<EchoUpstream> StartAsync(string name = "echo", bool http2Only = false, (string Cert, string Key)? tls = null)
    {
        var port = FreePorts.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, o =>
        {
            o.Protocols = http2Only ? Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2 : Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1;
            if (tls is { } files)
            {
                o.UseHttps(System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(files.Cert, files.Key), https =>
                {
                    https.ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.AllowCertificate;
                    https.AllowAnyClientCertificate();
                });
            }
        }));
        var app = builder.Build();
        EchoUpstream? self = null;
        app.Run(async context =>
        {
            Interlocked.Increment(ref self!._inFlight);
            try
            {
                context.Request.EnableBuffering();
                var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
                context.Request.Body.Position = 0;
                self.Received.Enqueue(($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}", body, context.Request.Host.Value));
                if (context.Request.Headers.Authorization.Count > 0)
                {
                    self.ReceivedHeaders[$"{context.Request.Method} {context.Request.Path}"] = context.Request.Headers.Authorization.ToString();
                }
                await EchoAsync(context, name, http2Only);
            }
            finally
            {
                Interlocked.Decrement(ref self._inFlight);
            }
        });
        await app.StartAsync();
        return self = new EchoUpstream(app, port, name);
    }

    private static async Task EchoAsync(HttpContext context, string name, bool http2Only)
    {
        {
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            // ?status=N answers with that status, ?sleep_ms=N (at most 5 s) answers that late: for breakers and limits.
            if (int.TryParse(context.Request.Query["status"], out var status))
            {
                context.Response.StatusCode = status;
            }
            if (int.TryParse(context.Request.Query["sleep_ms"], out var sleep))
            {
                await Task.Delay(Math.Clamp(sleep, 0, 5000));
            }
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["origin"] = context.Connection.RemoteIpAddress?.ToString(),
                ["host"] = context.Request.Host.Value,
                ["path"] = context.Request.Path.Value + context.Request.QueryString.Value,
                ["method"] = context.Request.Method,
                ["protocol"] = context.Request.Protocol,
                ["upstream"] = name,
                ["headers"] = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
                ["body"] = body,
                ["client_cert"] = context.Connection.ClientCertificate?.Subject,
            }));
            if (http2Only && context.Response.SupportsTrailers())
            {
                context.Response.AppendTrailer("grpc-status", "0");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
