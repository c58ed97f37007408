using System.Text.Json.Nodes;
using OrleansGateway.DataPlane.Proxy;

namespace OrleansGateway.DataPlane.Plugins.Release;

/// <summary>
/// <c>proxy-mirror</c>: a copy of the request (method, headers, body) also goes to <c>host</c>, for
/// <c>sample_ratio</c> of requests; its path is the request's, or <c>path</c> (replacing it, or with
/// <c>path_concat_mode: prefix</c> before it), the query kept. The copy never delays or fails the real request: it is
/// sent in the background and its answer dropped; a body over 8 MiB is not copied (the request is not mirrored).
/// </summary>
public sealed class ProxyMirrorPlugin : ProxyPlugin
{
    private const long MaxMirroredBody = 8 * 1024 * 1024;
    private static readonly HttpClient Client = new(new SocketsHttpHandler
    {
        UseCookies = false,
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };

    private readonly Uri _host;
    private readonly string? _path;
    private readonly bool _prefix;
    private readonly double _ratio;

    public ProxyMirrorPlugin(JsonObject config) : base("proxy-mirror", 1010)
    {
        var host = config["host"]!.GetValue<string>();
        // grpc(s):// hosts are reached over HTTP/2 (h2c or TLS), as gRPC is.
        _host = new Uri(host.StartsWith("grpcs://", StringComparison.Ordinal) ? "https://" + host[8..]
            : host.StartsWith("grpc://", StringComparison.Ordinal) ? "http://" + host[7..] : host);
        _path = Text(config, "path");
        _prefix = Text(config, "path_concat_mode") == "prefix";
        _ratio = config["sample_ratio"]?.GetValue<double>() ?? 1;
        Grpc = host.StartsWith("grpc", StringComparison.Ordinal);
    }

    private bool Grpc { get; }

    public override async ValueTask<bool> OnRequestAsync(PluginContext context)
    {
        if (_ratio < 1 && Random.Shared.NextDouble() >= _ratio)
        {
            return true;
        }
        var request = context.Http.Request;
        byte[]? body = null;
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            body = await BufferedBody.ReadAsync(context.Http, MaxMirroredBody);
            if (body is null)
            {
                PluginDiagnostics.Warn(Name, "size", $"a request body over {MaxMirroredBody} bytes is not mirrored");
                return true;
            }
        }
        var path = request.Path.Value ?? "/";
        var target = _path is null ? path : _prefix ? _path + path : _path;
        var mirror = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(_host, target + request.QueryString.Value))
        {
            Version = Grpc ? System.Net.HttpVersion.Version20 : System.Net.HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (body is not null)
        {
            mirror.Content = new ByteArrayContent(body);
        }
        foreach (var (name, values) in request.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                mirror.Headers.Host = values.ToString();
            }
            else if (!mirror.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values) && mirror.Content is not null)
            {
                mirror.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }
        _ = SendAsync(mirror);
        return true;
    }

    private async Task SendAsync(HttpRequestMessage mirror)
    {
        try
        {
            using (mirror)
            using (var response = await Client.SendAsync(mirror, HttpCompletionOption.ResponseHeadersRead))
            {
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OperationCanceledException)
        {
            PluginDiagnostics.Warn(Name, "send", $"mirroring to {_host} failed: {e.Message}");
        }
    }
}
