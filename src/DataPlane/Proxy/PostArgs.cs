using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansGateway.DataPlane.Proxy;

/// <summary>
/// A request body read for APISIX's <c>post_arg</c> variables: <c>post_arg_name</c> (a field of a form-urlencoded body)
/// and <c>post_arg.a.b</c> (a path into a JSON body, or a field of a form or multipart body). Read once, before routing,
/// only when a route of the current version uses them; the body is buffered and rewound, so the upstream gets it whole.
/// </summary>
public sealed class PostArgs
{
    private readonly IFormCollection? _form;
    private readonly bool _urlEncoded;
    private readonly JsonNode? _json;

    private PostArgs(IFormCollection? form, bool urlEncoded, JsonNode? json)
    {
        _form = form;
        _urlEncoded = urlEncoded;
        _json = json;
    }

    /// <summary>
    /// Reads the body of <paramref name="context"/>'s request (at most <paramref name="maxBytes"/>, 0: no limit) and
    /// keeps what it parsed as a feature of the request; an unsupported, unparsable or larger body leaves the variables
    /// unset, as APISIX does.
    /// </summary>
    public static async Task LoadAsync(HttpContext context, long maxBytes)
    {
        var request = context.Request;
        if (maxBytes > 0 && request.ContentLength > maxBytes)
        {
            return;
        }
        var type = request.ContentType ?? "";
        var json = type.Contains("application/json", StringComparison.OrdinalIgnoreCase);
        var urlEncoded = type.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);
        var multipart = type.Contains("multipart/form-data", StringComparison.OrdinalIgnoreCase);
        if (!json && !urlEncoded && !multipart)
        {
            return;
        }
        request.EnableBuffering(bufferThreshold: 64 * 1024, bufferLimit: maxBytes > 0 ? maxBytes : long.MaxValue);
        try
        {
            var args = json
                ? new PostArgs(null, false, await JsonNode.ParseAsync(request.Body, cancellationToken: context.RequestAborted))
                : new PostArgs(await request.ReadFormAsync(context.RequestAborted), urlEncoded, null);
            context.Features.Set(args);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or IOException)
        {
            // Not parsable, or over the limit: the variables stay unset.
        }
        finally
        {
            request.Body.Position = 0;
        }
    }

    /// <summary><c>post_arg_name</c>: a field of a form-urlencoded body (as APISIX, that body type only).</summary>
    public string? Field(string name) => _urlEncoded && _form!.TryGetValue(name, out var value) ? value.ToString() : null;

    /// <summary><c>post_arg.a.b</c>: a dotted path into a JSON body, or a field of a form body.</summary>
    public string? Path(string path)
    {
        if (_form is not null)
        {
            return _form.TryGetValue(path, out var value) ? value.ToString() : null;
        }
        var node = _json;
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject obj && obj.TryGetPropertyValue(part, out var child) ? child : null;
            if (node is null)
            {
                return null;
            }
        }
        return Text(node);
    }

    /// <summary>
    /// A JSON value as a variable's text: a string as it is, a number or boolean as written, an array as its items
    /// joined by commas (so <c>has</c> finds an item), an object as JSON.
    /// </summary>
    private static string? Text(JsonNode? node) => node switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v => v.ToJsonString(),
        JsonArray a => string.Join(',', a.Select(Text)),
        JsonObject o => o.ToJsonString(),
        _ => null,
    };
}
