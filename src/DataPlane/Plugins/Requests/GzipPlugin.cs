using System.IO.Compression;
using System.Text.Json.Nodes;
using Microsoft.Net.Http.Headers;

namespace OrleansGateway.DataPlane.Plugins.Requests;

/// <summary>
/// <c>gzip</c>: compresses the upstream's answer when the client accepts gzip, its Content-Type is one of
/// <c>types</c> (<c>text/html</c>; <c>*</c> any), it is at least <c>min_length</c> bytes (when its length is known),
/// the request is at least HTTP <c>http_version</c> (1.1), its status is 200, 403 or 404 and it is not already
/// encoded — as nginx's gzip under APISIX. <c>comp_level</c> 1–9; <c>vary</c> adds <c>Vary: Accept-Encoding</c>.
/// The body is compressed as it streams (no buffering); its length is then unknown, so it goes chunked.
/// </summary>
public sealed class GzipPlugin : ProxyPlugin
{
    private readonly HashSet<string>? _types;
    private readonly long _minLength;
    private readonly int _level;
    private readonly Version _httpVersion;
    private readonly bool _vary;

    public GzipPlugin(JsonObject config) : base("gzip", 995)
    {
        _types = config["types"] switch
        {
            JsonArray types => types.Select(t => t!.GetValue<string>()).ToHashSet(StringComparer.Ordinal),
            JsonValue any when any.ToString() == "*" => null,
            _ => ["text/html"],
        };
        _minLength = config["min_length"]?.GetValue<long>() ?? 20;
        _level = config["comp_level"]?.GetValue<int>() ?? 1;
        _httpVersion = config["http_version"]?.GetValue<double>() == 1.0 ? new Version(1, 0) : new Version(1, 1);
        _vary = config["vary"]?.GetValue<bool>() ?? false;
    }

    public override void OnResponse(PluginContext context)
    {
        var http = context.Http;
        var response = http.Response;
        if (context.ResponseBodyFilter is not null || !Compressible(http))
        {
            return;
        }
        response.Headers.ContentLength = null;
        response.Headers.ContentEncoding = "gzip";
        if (_vary)
        {
            response.Headers.Append(HeaderNames.Vary, "Accept-Encoding");
        }
        if (response.Headers.ETag.ToString() is { Length: > 0 } etag && !etag.StartsWith("W/", StringComparison.Ordinal))
        {
            response.Headers.ETag = "W/" + etag; // the compressed body is not byte-for-byte the upstream's
        }
        context.ResponseBodyFilter = new CompressedBody(response, _level);
    }

    private bool Compressible(HttpContext http)
    {
        var response = http.Response;
        if (response.StatusCode is not (200 or 403 or 404) || response.Headers.ContentEncoding.Count > 0 || response.ContentType is not { } contentType)
        {
            return false;
        }
        var semicolon = contentType.IndexOf(';');
        if (_types is not null && !_types.Contains(semicolon < 0 ? contentType : contentType[..semicolon]))
        {
            return false;
        }
        if (response.ContentLength is { } length && length < _minLength)
        {
            return false;
        }
        if (HttpProtocol.IsHttp10(http.Request.Protocol) && _httpVersion > new Version(1, 0))
        {
            return false;
        }
        return AcceptsGzip(http.Request.Headers.AcceptEncoding);
    }

    /// <summary>Whether <c>Accept-Encoding</c> names gzip (or <c>*</c>) without <c>q=0</c>.</summary>
    internal static bool AcceptsGzip(Microsoft.Extensions.Primitives.StringValues acceptEncoding)
    {
        if (!StringWithQualityHeaderValue.TryParseList(acceptEncoding, out var codings))
        {
            return false;
        }
        return codings.Any(c => (c.Value.Equals("gzip", StringComparison.OrdinalIgnoreCase) || c.Value.Equals("*", StringComparison.Ordinal)) && c.Quality is not 0);
    }

    /// <summary>The response body compressed on its way out; disposing it writes gzip's trailer and puts the body back.</summary>
    private sealed class CompressedBody : IAsyncDisposable
    {
        private readonly HttpResponse _response;
        private readonly Stream _original;
        private readonly GZipStream _gzip;

        public CompressedBody(HttpResponse response, int level)
        {
            _response = response;
            _original = response.Body;
            _gzip = new GZipStream(_original, new ZLibCompressionOptions { CompressionLevel = level }, leaveOpen: true);
            response.Body = _gzip;
        }

        public async ValueTask DisposeAsync()
        {
            await _gzip.DisposeAsync();
            _response.Body = _original;
        }
    }
}
