using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Resources;

namespace OrleansGateway.Contracts.Validation;

/// <summary>Fills the defaults APISIX shows in its responses (route priority and status, upstream type, scheme …).</summary>
public static class ResourceDefaults
{
    /// <summary>Adds missing default fields to a valid value of <paramref name="kind"/>.</summary>
    public static void Apply(ResourceKind kind, JsonObject value)
    {
        switch (kind)
        {
            case ResourceKind.Route:
                SetIfMissing(value, "priority", 0);
                SetIfMissing(value, "status", 1);
                if (value["upstream"] is JsonObject inlineUpstream)
                {
                    Upstream(inlineUpstream);
                }
                break;
            case ResourceKind.Service when value["upstream"] is JsonObject serviceUpstream:
                Upstream(serviceUpstream);
                break;
            case ResourceKind.Upstream:
                Upstream(value);
                break;
            case ResourceKind.Ssl:
                SetIfMissing(value, "type", "server");
                SetIfMissing(value, "status", 1);
                break;
        }
    }

    private static void Upstream(JsonObject upstream)
    {
        SetIfMissing(upstream, "type", "roundrobin");
        SetIfMissing(upstream, "scheme", "http");
        SetIfMissing(upstream, "pass_host", "pass");
        SetIfMissing(upstream, "hash_on", "vars");
    }

    private static void SetIfMissing<T>(JsonObject obj, string name, T value)
    {
        if (!obj.ContainsKey(name))
        {
            obj[name] = JsonValue.Create(value);
        }
    }
}
