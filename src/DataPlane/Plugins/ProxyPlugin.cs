using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// One configured plugin of a route (or global rule), compiled with its configuration for one configuration version.
/// Plugins run in APISIX's order: every rewrite-phase plugin, then every access-phase one, each phase by priority
/// (higher first); a plugin that answers the request itself stops the chain.
/// </summary>
public abstract class ProxyPlugin(string name, int priority, PluginPhase phase = PluginPhase.Rewrite)
{
    public string Name { get; } = name;

    public int Priority { get; private set; } = priority;

    /// <summary><c>_meta.filter</c>: the plugin runs only for requests where this expression holds (null: all).</summary>
    public Routing.VarsExpression? Filter { get; private set; }

    /// <summary><c>_meta.error_response</c>: the body of the plugin's error answers (status 400 and above) instead of its own.</summary>
    public string? ErrorResponse { get; private set; }

    /// <summary>Takes APISIX's <c>_meta</c> options: <c>priority</c>, <c>filter</c> and <c>error_response</c>.</summary>
    internal void ApplyMeta(JsonObject meta)
    {
        if (meta["priority"] is JsonValue priorityValue && priorityValue.TryGetValue<int>(out var priority))
        {
            Priority = priority;
        }
        if (meta["filter"] is JsonArray filter && filter.Count > 0)
        {
            Filter = Routing.VarsExpression.Compile(filter);
        }
        ErrorResponse = meta["error_response"] switch
        {
            JsonValue text when text.TryGetValue<string>(out var message) => message,
            JsonNode other => other.ToJsonString(),
            null => null,
        };
    }

    /// <summary>Whether it applies to this request (its <c>_meta.filter</c> holds, or it has none).</summary>
    public bool AppliesTo(PluginContext context) => Filter is null || Filter.Matches(context.Request);

    /// <summary>The APISIX phase <see cref="OnRequestAsync"/> belongs to.</summary>
    public PluginPhase Phase { get; } = phase;

    /// <summary>Before forwarding, in its <see cref="Phase"/>. False: the plugin has answered; stop.</summary>
    public virtual ValueTask<bool> OnRequestAsync(PluginContext context) => ValueTask.FromResult(true);

    /// <summary>After the upstream's response headers arrived (header filter); may replace status, headers and body.</summary>
    public virtual void OnResponse(PluginContext context)
    {
    }

    /// <summary>Whether it has work in the log phase (<see cref="OnLog"/>): only those are called there.</summary>
    public virtual bool HasLogPhase => false;

    /// <summary>Whether it reads how many bytes the response had (the proxy then counts them).</summary>
    public virtual bool NeedsResponseBytes => false;

    /// <summary>
    /// The log phase: after the response was sent, or the request failed or was answered by a plugin (then
    /// <see cref="PluginContext.UpstreamStatus"/> is null). Must not throw.
    /// </summary>
    public virtual void OnLog(PluginContext context)
    {
    }

    /// <summary>Answers the request with a JSON body, as APISIX plugins do.</summary>
    protected async ValueTask<bool> RespondAsync(PluginContext context, int status, object? body, IDictionary<string, string>? headers = null)
    {
        var response = context.Http.Response;
        response.StatusCode = status;
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            response.Headers[name] = value;
        }
        if (status >= 400 && ErrorResponse is { } replacement)
        {
            await response.WriteAsync(replacement);
        }
        else if (body is not null)
        {
            response.ContentType = "application/json";
            await response.WriteAsync(body is string text ? text : Proxy.ClientJson.Serialize(body));
        }
        return false;
    }

    protected static string? Text(JsonObject? config, string name) => config?[name] is JsonValue v ? v.ToString() : null;
}
