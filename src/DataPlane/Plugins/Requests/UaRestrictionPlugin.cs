using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OrleansGateway.DataPlane.Plugins.Requests;

/// <summary>
/// <c>ua-restriction</c>: the User-Agent (each, when several) searched with the <c>allowlist</c> or <c>denylist</c>
/// patterns (case-sensitive, anywhere in the value); refused: 403 <c>{"message": message}</c> ("Not allowed"). A
/// request without a User-Agent is refused unless <c>bypass_missing</c>. With several User-Agents, an allowlist lets
/// the request in when any matches and a denylist keeps it out when any matches.
/// </summary>
public sealed class UaRestrictionPlugin : ProxyPlugin
{
    private readonly Regex[] _patterns;
    private readonly bool _allow;
    private readonly bool _bypassMissing;
    private readonly object _refusal;

    public UaRestrictionPlugin(JsonObject config) : base("ua-restriction", 2999, PluginPhase.Access)
    {
        _allow = config.ContainsKey("allowlist");
        _patterns = ((config["allowlist"] ?? config["denylist"]) as JsonArray ?? [])
            .Select(p => new Regex(p!.GetValue<string>(), RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100))).ToArray();
        _bypassMissing = config["bypass_missing"]?.GetValue<bool>() ?? false;
        _refusal = new { message = Text(config, "message") ?? "Not allowed" };
    }

    public override ValueTask<bool> OnRequestAsync(PluginContext context)
    {
        var agents = context.Http.Request.Headers.UserAgent;
        if (agents.Count == 0)
        {
            return _bypassMissing ? ValueTask.FromResult(true) : RespondAsync(context, 403, _refusal);
        }
        var anyMatches = false;
        foreach (var agent in agents)
        {
            var value = agent?.Trim() ?? "";
            foreach (var pattern in _patterns)
            {
                try
                {
                    if (pattern.IsMatch(value))
                    {
                        anyMatches = true;
                        break;
                    }
                }
                catch (RegexMatchTimeoutException)
                {
                    return RespondAsync(context, 403, _refusal); // a User-Agent built to stall the pattern is refused
                }
            }
        }
        return anyMatches == _allow ? ValueTask.FromResult(true) : RespondAsync(context, 403, _refusal);
    }
}
