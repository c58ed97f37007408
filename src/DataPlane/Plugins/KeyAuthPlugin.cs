using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// <c>key-auth</c>: the key comes from the <c>header</c> (default <c>apikey</c>), else the <c>query</c> argument; a
/// missing key gets 401 "Missing API key in request", an unknown one "Invalid API key in request" (as APISIX);
/// <c>hide_credentials</c> strips the key before forwarding.
/// </summary>
public sealed class KeyAuthPlugin : AuthPlugin
{
    private readonly string _header;
    private readonly string _query;

    public KeyAuthPlugin(JsonObject config) : base("key-auth", 2500, config, "apikey", "key")
    {
        _header = Text(config, "header") ?? "apikey";
        _query = Text(config, "query") ?? "apikey";
    }

    protected override ValueTask<Outcome> FindAsync(PluginContext context)
    {
        var request = context.Http.Request;
        var key = request.Headers.TryGetValue(_header, out var fromHeader) ? fromHeader.ToString() : request.Query[_query].ToString();
        if (key.Length == 0)
        {
            return Outcome.Fail("Missing API key in request");
        }
        return context.Consumers.Find("key-auth", key) is { } credential ? Outcome.Of(credential) : Outcome.Fail("Invalid API key in request");
    }

    protected override void Hide(PluginContext context)
    {
        var request = context.Http.Request;
        request.Headers.Remove(_header);
        RemoveQueryArgument(request, _query);
    }

    /// <summary>Removes every <paramref name="name"/> argument from the query string (nothing when there is none).</summary>
    internal static void RemoveQueryArgument(HttpRequest request, string name)
    {
        if (!request.Query.ContainsKey(name))
        {
            return;
        }
        var query = QueryHelpers.ParseQuery(request.QueryString.Value);
        query.Remove(name);
        request.QueryString = QueryString.Create(query.SelectMany(q => q.Value.Select(v => KeyValuePair.Create(q.Key, (string?)v))));
    }
}
