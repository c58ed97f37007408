using System.Text.Json.Nodes;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// <c>key-auth</c>: the key comes from the <c>header</c> (default <c>apikey</c>) or the <c>query</c> argument; a missing
/// or unknown key gets 401 as in APISIX; the upstream gets <c>X-Consumer-Username</c>; <c>hide_credentials</c> strips
/// the key before forwarding.
/// </summary>
public sealed class KeyAuthPlugin : ProxyPlugin
{
    private readonly string _header;
    private readonly string _query;
    private readonly bool _hide;

    public KeyAuthPlugin(JsonObject config) : base("key-auth", 2500)
    {
        _header = Text(config, "header") ?? "apikey";
        _query = Text(config, "query") ?? "apikey";
        _hide = config["hide_credentials"]?.GetValue<bool>() ?? false;
    }

    public override ValueTask<bool> OnRequestAsync(PluginContext context)
    {
        var request = context.Http.Request;
        var fromHeader = request.Headers[_header].ToString();
        var key = fromHeader.Length > 0 ? fromHeader : request.Query[_query].ToString();
        if (key.Length == 0)
        {
            return RespondAsync(context, 401, new { message = "Missing API key in request" });
        }
        var consumer = context.Consumers.ByKeyAuthKey(key);
        if (consumer is null)
        {
            return RespondAsync(context, 401, new { message = "Invalid API key in request" });
        }
        context.Consumer = consumer;
        request.Headers["X-Consumer-Username"] = consumer.Username;
        if (_hide)
        {
            request.Headers.Remove(_header);
            if (fromHeader.Length == 0)
            {
                var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(request.QueryString.Value);
                query.Remove(_query);
                request.QueryString = QueryString.Create(query.SelectMany(q => q.Value.Select(v => KeyValuePair.Create(q.Key, (string?)v))));
            }
        }
        return ValueTask.FromResult(true);
    }
}
