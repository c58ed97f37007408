using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.DataPlane.Proxy;
using OrleansGateway.DataPlane.Routing;

namespace OrleansGateway.DataPlane.Plugins.Release;

/// <summary>
/// <c>traffic-split</c> (canary and blue-green releases): the first rule whose <c>match</c> holds (any of its
/// entries; a rule without <c>match</c> always does) sends the request to one of its <c>weighted_upstreams</c>,
/// chosen by weight in turn: an <c>upstream_id</c>, an inline <c>upstream</c>, or an entry with neither, which is the
/// route's own upstream. No rule matching: the route's upstream. An <c>upstream_id</c> that does not exist answers
/// 500, as APISIX.
/// </summary>
public sealed class TrafficSplitPlugin : ProxyPlugin
{
    private readonly Rule[] _rules;

    public TrafficSplitPlugin(JsonObject config, string owner, PluginEnvironment environment) : base("traffic-split", 966, PluginPhase.Access)
    {
        var rules = config["rules"] as JsonArray ?? [];
        _rules = rules.Select((rule, r) => new Rule(
            rule?["match"] is JsonArray match ? match.Select(m => VarsExpression.Compile(m?["vars"] as JsonArray)).ToArray() : null,
            Targets(rule?["weighted_upstreams"] as JsonArray, $"{owner}/traffic-split/{r + 1}", environment))).ToArray();
    }

    private static WeightedChoice<Target> Targets(JsonArray? weighted, string key, PluginEnvironment environment)
    {
        var targets = new List<(Target, int)>();
        var index = 0;
        foreach (var entry in weighted ?? [new JsonObject()])
        {
            index++;
            var weight = entry?["weight"]?.GetValue<int>() ?? 1;
            var target = entry?["upstream"] is JsonObject inline
                ? new Target(null, UpstreamDefinition.Parse($"{key}/{index}", inline, inline.ToJsonString(), cipher: environment.Cipher))
                : new Target(ResourceIds.Text(entry?["upstream_id"]), null);
            targets.Add((target, weight));
        }
        return new WeightedChoice<Target>(targets);
    }

    public override ValueTask<bool> OnRequestAsync(PluginContext context)
    {
        foreach (var rule in _rules)
        {
            if (!rule.Matches(context.Request))
            {
                continue;
            }
            var target = rule.Targets.Next();
            if (target.UpstreamId is { } id)
            {
                if (!context.Upstreams.TryGetValue($"upstreams/{id}", out var upstream))
                {
                    return RespondText(context, 500, $"failed to fetch upstream info by upstream id: {id}");
                }
                context.UpstreamOverride = upstream;
            }
            else
            {
                context.UpstreamOverride = target.Inline; // null: the route's own upstream
            }
            break;
        }
        return ValueTask.FromResult(true);
    }

    private static async ValueTask<bool> RespondText(PluginContext context, int status, string text)
    {
        context.Http.Response.StatusCode = status;
        await context.Http.Response.WriteAsync(text);
        return false;
    }

    private sealed record Target(string? UpstreamId, UpstreamDefinition? Inline);

    private sealed record Rule(VarsExpression[]? Match, WeightedChoice<Target> Targets)
    {
        public bool Matches(IRequestView request)
        {
            if (Match is null)
            {
                return true;
            }
            foreach (var expression in Match)
            {
                if (expression.Matches(request))
                {
                    return true;
                }
            }
            return false;
        }
    }
}
