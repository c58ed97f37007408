using System.Text;

namespace OrleansGateway.Silo.AdminApi;

/// <summary>Reads an Admin API body as UTF-8 text, refusing oversized or undecodable bodies with a clear message.</summary>
public static class RequestBody
{
    public static async Task<(string? Body, IResult? Error)> ReadAsync(HttpRequest request, int maxBytes)
    {
        if (request.ContentLength is { } length && length > maxBytes)
        {
            return (null, TooLarge(length, maxBytes));
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return (null, TooLarge(buffer.Length + read, maxBytes));
            }
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0)
        {
            return (null, AdminResponses.Error(400, "invalid request body: the body is empty"));
        }
        try
        {
            return (AdminResponses.Utf8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length), null);
        }
        catch (DecoderFallbackException)
        {
            return (null, AdminResponses.Error(400, "invalid request body: not valid UTF-8"));
        }
    }

    /// <summary>The body read and parsed as a JSON object (with its text), or the 400 to answer.</summary>
    public static async Task<(System.Text.Json.Nodes.JsonObject? Value, string? Body, IResult? Error)> ReadObjectAsync(HttpRequest request, int maxBytes)
    {
        var (body, error) = await ReadAsync(request, maxBytes);
        if (error is not null)
        {
            return (null, null, error);
        }
        var value = OrleansGateway.Contracts.Validation.ResourceValidator.ParseObject(body!, out var parseError);
        return value is null ? (null, null, AdminResponses.Error(400, parseError!)) : (value, body, null);
    }

    private static IResult TooLarge(long length, int max) =>
        AdminResponses.Error(400, $"invalid request body: {length} bytes or more exceeds the limit of {max} bytes (deployment.admin.max_body_bytes)");
}
