using System.Text.Json.Nodes;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// <c>consumer-restriction</c> (access phase, after authentication): by the request's <c>type</c> value (the
/// consumer's name, its consumer group, the route's or service's id), refuse what the <c>blacklist</c> names, allow
/// only what the <c>whitelist</c> names, and per user only the <c>allowed_by_methods</c> methods (unless whitelisted).
/// Refused: <c>rejected_code</c> (403) with <c>{"message":"The consumer_name is forbidden."}</c> or
/// <c>rejected_msg</c>; no value (no consumer authenticated): 401, as APISIX.
/// </summary>
public sealed class ConsumerRestrictionPlugin : ProxyPlugin
{
    private readonly string _type;
    private readonly HashSet<string>? _blacklist;
    private readonly HashSet<string>? _whitelist;
    private readonly (string? User, HashSet<string> Methods)[] _byMethods;
    private readonly int _rejectedCode;
    private readonly object _rejected;
    private readonly object _missing;

    public ConsumerRestrictionPlugin(JsonObject config) : base("consumer-restriction", 2400, PluginPhase.Access)
    {
        _type = Text(config, "type") ?? "consumer_name";
        _blacklist = Set(config["blacklist"]);
        _whitelist = Set(config["whitelist"]);
        _byMethods = (config["allowed_by_methods"] as JsonArray ?? [])
            .Select(e => (Text((JsonObject)e!, "user"), Set(e!["methods"]) ?? []))
            .ToArray();
        _rejectedCode = config["rejected_code"]?.GetValue<int>() ?? 403;
        _rejected = new { message = Text(config, "rejected_msg") ?? $"The {_type} is forbidden." };
        _missing = new { message = $"The request is rejected, please check the {_type} for this request" };
    }

    private static HashSet<string>? Set(JsonNode? node) =>
        node is JsonArray { Count: > 0 } array ? array.Select(n => n!.GetValue<string>()).ToHashSet(StringComparer.Ordinal) : null;

    public override ValueTask<bool> OnRequestAsync(PluginContext context)
    {
        var value = _type switch
        {
            "route_id" => context.Route.Id,
            "service_id" => context.Route.ServiceId,
            "consumer_group_id" => context.Consumer?.GroupId,
            _ => context.Consumer?.Username,
        };
        if (value is null)
        {
            return RespondAsync(context, 401, _missing);
        }
        if (_blacklist?.Contains(value) == true)
        {
            return RespondAsync(context, _rejectedCode, _rejected);
        }
        var whitelisted = _whitelist?.Contains(value) == true;
        var block = _whitelist is not null && !whitelisted;
        if (_byMethods.Length > 0 && !whitelisted && !MethodAllowed(value, context.Http.Request.Method))
        {
            block = true;
        }
        return block ? RespondAsync(context, _rejectedCode, _rejected) : ValueTask.FromResult(true);
    }

    /// <summary>As APISIX: the first entry for this user decides; a user without an entry may use any method.</summary>
    private bool MethodAllowed(string user, string method)
    {
        foreach (var (entryUser, methods) in _byMethods)
        {
            if (entryUser == user)
            {
                return methods.Contains(method);
            }
        }
        return true;
    }
}
