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

    /// <summary>Copies in flight at most, per process: past it a request is not mirrored rather than queued.</summary>
    private const int MaxSending = 256;
    private static readonly SemaphoreSlim Sending = new(MaxSending);

    private readonly string _authority;
    private readonly string? _path;
    private readonly bool _prefix;
    private readonly double _ratio;

    public ProxyMirrorPlugin(JsonObject config) : base("proxy-mirror", 1010)
    {
        var host = config["host"]!.GetValue<string>();
        // grpc(s):// hosts are reached over HTTP/2 (h2c or TLS), as gRPC is.
        _authority = new Uri(host.StartsWith("grpcs://", StringComparison.Ordinal) ? "https://" + host[8..]
            : host.StartsWith("grpc://", StringComparison.Ordinal) ? "http://" + host[7..] : host).GetLeftPart(UriPartial.Authority);
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
        if (!Sending.Wait(0))
        {
            PluginDiagnostics.Warn(Name, "busy", $"{MaxSending} copies are still being sent: this request is not mirrored");
            return true;
        }
        var handedOver = false;
        try
        {
            handedOver = await MirrorAsync(context);
        }
        finally
        {
            if (!handedOver)
            {
                Sending.Release();
            }
        }
        return true;
    }

    /// <summary>Builds the copy and starts sending it; false when there is nothing to send.</summary>
    private async ValueTask<bool> MirrorAsync(PluginContext context)
    {
        var request = context.Http.Request;
        byte[]? body = null;
        if (BufferedBody.HasBody(request))
        {
            body = await BufferedBody.ReadAsync(context.Http, MaxMirroredBody);
            if (body is null)
            {
                PluginDiagnostics.Warn(Name, "size", $"a request body over {MaxMirroredBody} bytes is not mirrored");
                return false;
            }
        }
        var mirror = new HttpRequestMessage(new HttpMethod(request.Method), Target(_authority, _path, _prefix, request.Path, request.QueryString))
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

    /// <summary>
    /// Where the copy goes: the mirror's own scheme, host and port, then the path (the request's, <c>path</c>, or
    /// <c>path</c> before the request's) and the query. A request path such as <c>//other.host/x</c> stays a path.
    /// </summary>
    internal static Uri Target(string authority, string? path, bool prefix, PathString requestPath, QueryString query)
    {
        var own = requestPath.ToUriComponent();
        return new Uri(authority + (path is null ? own : prefix ? path + own : path) + query.ToUriComponent());
    }

    /// <summary>Sends a copy and drops the answer; never throws (a copy's failure is the mirror's business only).</summary>
    private async Task SendAsync(HttpRequestMessage mirror)
    {
        try
        {
            using (mirror)
            using (var response = await Client.SendAsync(mirror, HttpCompletionOption.ResponseHeadersRead))
            {
            }
        }
        catch (Exception e)
        {
            PluginDiagnostics.Warn(Name, "send", $"mirroring to {_authority} failed: {e.Message}");
        }
        finally
        {
            Sending.Release();
        }
    }
}
