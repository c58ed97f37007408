namespace OrleansGateway.DataPlane.Proxy;

/// <summary>
/// A request body read whole by a plugin (hmac-auth's digest, request-validation): buffered and rewound, so the
/// upstream still gets it; read once per request however many plugins ask.
/// </summary>
public static class BufferedBody
{
    private sealed class Feature(byte[] body)
    {
        public byte[] Body { get; } = body;
    }

    /// <summary>
    /// The body of <paramref name="context"/>'s request, or null when it is longer than <paramref name="maxBytes"/>
    /// (the request is then left unread past the limit).
    /// </summary>
    public static async ValueTask<byte[]?> ReadAsync(HttpContext context, long maxBytes)
    {
        if (context.Features.Get<Feature>() is { } read)
        {
            return read.Body.LongLength <= maxBytes ? read.Body : null;
        }
        var request = context.Request;
        if (request.ContentLength > maxBytes)
        {
            return null;
        }
        request.EnableBuffering(bufferThreshold: 64 * 1024, bufferLimit: maxBytes + 1);
        using var copy = new MemoryStream();
        try
        {
            await request.Body.CopyToAsync(copy, context.RequestAborted);
        }
        catch (IOException)
        {
            return null; // over the buffer limit
        }
        finally
        {
            request.Body.Position = 0;
        }
        if (copy.Length > maxBytes)
        {
            return null;
        }
        var body = copy.ToArray();
        context.Features.Set(new Feature(body));
        return body;
    }
}
