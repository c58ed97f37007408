using System.Text.Json.Nodes;

namespace OrleansGateway.DataPlane.Plugins.Requests;

/// <summary>
/// <c>request-id</c>: a request without a <c>header_name</c> header (<c>X-Request-Id</c>) gets one made by the
/// <c>algorithm</c>, which the upstream receives; with <c>include_in_response</c> (default) the client gets it back,
/// on every answer (a plugin's too), unless the upstream answered with an id of its own.
/// </summary>
public sealed class RequestIdPlugin : ProxyPlugin
{
    private readonly string _header;
    private readonly bool _inResponse;
    private readonly string _algorithm;
    private readonly int _rangeLength;
    private readonly string _rangeCharacters;
    private readonly TimeProvider _time;

    public RequestIdPlugin(JsonObject config, TimeProvider time) : base("request-id", 12015)
    {
        _header = Text(config, "header_name") ?? "X-Request-Id";
        _inResponse = config["include_in_response"]?.GetValue<bool>() ?? true;
        _algorithm = Text(config, "algorithm") ?? "uuid";
        _rangeLength = config["range_id"]?["length"]?.GetValue<int>() ?? 16;
        _rangeCharacters = config["range_id"]?["char_set"]?.GetValue<string>() ?? RequestIds.DefaultRangeCharacters;
        _time = time;
    }

    private string NewId() => _algorithm switch
    {
        "nanoid" => RequestIds.Nanoid(),
        "range_id" => RequestIds.RangeId(_rangeLength, _rangeCharacters),
        "ksuid" => RequestIds.Ksuid(_time.GetUtcNow()),
        "uuidv7" => RequestIds.UuidV7(_time.GetUtcNow()),
        _ => RequestIds.Uuid(),
    };

    public override ValueTask<bool> OnRequestAsync(PluginContext context)
    {
        var headers = context.Http.Request.Headers;
        var id = headers[_header].ToString();
        if (id.Length == 0)
        {
            id = NewId();
            headers[_header] = id;
        }
        if (_inResponse)
        {
            // Set now, so that an answer from a later plugin carries it too.
            context.Http.Response.Headers[_header] = id;
        }
        return ValueTask.FromResult(true);
    }

    public override void OnResponse(PluginContext context)
    {
        if (!_inResponse)
        {
            return;
        }
        var upstream = context.UpstreamResponse;
        if (upstream is not null && upstream.Headers.NonValidated.TryGetValues(_header, out var values) && values.Count > 0 && values.ToString() is { Length: > 0 } theirs)
        {
            context.Http.Response.Headers[_header] = theirs;
        }
        else
        {
            context.Http.Response.Headers[_header] = context.Http.Request.Headers[_header].ToString();
        }
    }
}
