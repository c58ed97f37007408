using Microsoft.AspNetCore.Http.Features;

namespace OrleansGateway.DataPlane.Proxy;

/// <summary>
/// A request body read whole by a plugin (hmac-auth's digest, request-validation, a mirror, a logger): buffered and
/// rewound, so the upstream still gets all of it; read once per request however many plugins ask.
/// </summary>
public static class BufferedBody
{
    private sealed class Feature(byte[]? body)
    {
        public byte[]? Body { get; } = body;
    }

    /// <summary>Whether the request has a body (a length, chunks, or an HTTP/2 or HTTP/3 stream that is not ended).</summary>
    public static bool HasBody(HttpRequest request) =>
        request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody
        ?? (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0);

    /// <summary>
    /// The body of <paramref name="context"/>'s request, or null when it is longer than <paramref name="maxBytes"/>.
    /// Either way the request keeps its whole body for the upstream: at most <paramref name="maxBytes"/> + 1 bytes are
    /// read here, and buffering carries on past them as the upstream reads the rest.
    /// </summary>
    public static async ValueTask<byte[]?> ReadAsync(HttpContext context, long maxBytes)
    {
        if (context.Features.Get<Feature>() is { } read)
        {
            return read.Body is { } known && known.LongLength <= maxBytes ? known : null;
        }
        var request = context.Request;
        if (request.ContentLength > maxBytes)
        {
            return null;
        }
        request.EnableBuffering(bufferThreshold: 64 * 1024);
        var limit = (int)Math.Min(maxBytes + 1, int.MaxValue);
        using var copy = new MemoryStream();
        var chunk = new byte[(int)Math.Min(limit, 81920)];
        try
        {
            int n;
            while (copy.Length < limit && (n = await request.Body.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, limit - copy.Length)), context.RequestAborted)) > 0)
            {
                copy.Write(chunk, 0, n);
            }
        }
        finally
        {
            request.Body.Position = 0;
        }
        var body = copy.Length > maxBytes ? null : copy.ToArray();
        // Only a body read whole is kept for the next plugin; an oversized one is not read again either.
        context.Features.Set(new Feature(body));
        return body;
    }
}
