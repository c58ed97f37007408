using System.IO.Compression;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OrleansGateway.TestSupport;

/// <summary>
/// A stand-in OpenTelemetry collector on a loopback port: accepts OTLP/HTTP protobuf posts (<c>/v1/traces</c>,
/// <c>/v1/metrics</c>, <c>/v1/logs</c>), answers 200 with an empty response message and keeps every body for the test
/// to search. No protobuf parsing: ids are searched as raw bytes and names as UTF-8.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<(string Path, byte[] Body)> _posts = [];

    private OtlpReceiver(WebApplication app, int port)
    {
        _app = app;
        Endpoint = $"http://127.0.0.1:{port}";
    }

    /// <summary>The value for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public string Endpoint { get; }

    public static async Task<OtlpReceiver> StartAsync()
    {
        var port = FreePorts.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var receiver = new OtlpReceiver(app, port);
        app.Run(receiver.ReceiveAsync);
        await app.StartAsync();
        return receiver;
    }

    private async Task ReceiveAsync(HttpContext context)
    {
        var body = new MemoryStream();
        var input = context.Request.Headers.ContentEncoding.ToString() == "gzip"
            ? new GZipStream(context.Request.Body, CompressionMode.Decompress)
            : context.Request.Body;
        await input.CopyToAsync(body);
        lock (_posts)
        {
            _posts.Add((context.Request.Path.Value ?? "", body.ToArray()));
        }
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/x-protobuf";
    }

    /// <summary>Bodies posted to <paramref name="path"/> (e.g. <c>/v1/traces</c>) so far.</summary>
    public IReadOnlyList<byte[]> Bodies(string path)
    {
        lock (_posts)
        {
            return _posts.Where(p => p.Path == path).Select(p => p.Body).ToList();
        }
    }

    /// <summary>True when one body posted to <paramref name="path"/> contains every one of <paramref name="needles"/>.</summary>
    public bool AnyBodyContainsAll(string path, params byte[][] needles) =>
        Bodies(path).Any(body => needles.All(n => body.AsSpan().IndexOf(n) >= 0));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
