using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using OrleansGateway.Contracts.Validation;
using OrleansGateway.DataPlane.Proxy;

namespace OrleansGateway.DataPlane.Plugins.Requests;

/// <summary>
/// <c>request-validation</c>: the request's headers (lower-case names; a repeated header an array) checked against
/// <c>header_schema</c>, its body (JSON, or a form as an object of strings) against <c>body_schema</c>, with a JSON
/// Schema library. Refused: <c>rejected_code</c> (400) with <c>rejected_msg</c>, or the reason. A missing, unreadable or
/// larger than <c>max_req_body_size</c> body, or two Content-Types, is refused with <c>rejected_msg</c> only, as APISIX.
/// The upstream gets the body as the client sent it.
/// </summary>
public sealed class RequestValidationPlugin : ProxyPlugin
{
    private readonly JsonSchema? _headers;
    private readonly JsonSchema? _body;
    private readonly long _maxBody;
    private readonly int _code;
    private readonly string? _message;

    public RequestValidationPlugin(JsonObject config) : base("request-validation", 2800)
    {
        _headers = config["header_schema"] is JsonObject headers ? JsonSchemas.Parse(headers) : null;
        _body = config["body_schema"] is JsonObject body ? JsonSchemas.Parse(body) : null;
        _maxBody = config["max_req_body_size"]?.GetValue<long>() ?? 64L * 1024 * 1024;
        _code = config["rejected_code"]?.GetValue<int>() ?? 400;
        _message = Text(config, "rejected_msg");
    }

    public override async ValueTask<bool> OnRequestAsync(PluginContext context)
    {
        var request = context.Http.Request;
        if (_headers is not null && JsonSchemas.Check(_headers, HeadersOf(request)) is { } headerError)
        {
            return await RefuseAsync(context, headerError);
        }
        if (_body is null)
        {
            return true;
        }
        if (!BufferedBody.HasBody(request) || request.Headers.ContentType.Count > 1 || await BufferedBody.ReadAsync(context.Http, _maxBody) is not { } bytes)
        {
            return await RefuseAsync(context, null);
        }
        JsonNode? value;
        if (request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true)
        {
            value = FormOf(Encoding.UTF8.GetString(bytes));
        }
        else
        {
            try
            {
                value = JsonNode.Parse(bytes);
            }
            catch (JsonException e)
            {
                return await RefuseAsync(context, $"invalid JSON body: {e.Message}");
            }
        }
        return JsonSchemas.Check(_body, value) is { } bodyError ? await RefuseAsync(context, bodyError) : true;
    }

    private async ValueTask<bool> RefuseAsync(PluginContext context, string? reason)
    {
        context.Http.Response.StatusCode = _code;
        if ((_message ?? reason) is { } text)
        {
            await context.Http.Response.WriteAsync(text);
        }
        return false;
    }

    private static JsonObject HeadersOf(HttpRequest request)
    {
        var headers = new JsonObject();
        foreach (var (name, values) in request.Headers)
        {
            headers[name.ToLowerInvariant()] = values.Count == 1 ? JsonValue.Create(values.ToString()) : new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
        }
        return headers;
    }

    private static JsonObject FormOf(string body)
    {
        var form = new JsonObject();
        foreach (var (name, values) in Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(body))
        {
            form[name] = values.Count == 1 ? JsonValue.Create(values.ToString()) : new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
        }
        return form;
    }
}
