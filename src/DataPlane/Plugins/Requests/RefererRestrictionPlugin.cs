using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OrleansGateway.DataPlane.Plugins.Requests;

/// <summary>
/// <c>referer-restriction</c>: the Referer's host checked against the <c>whitelist</c> or <c>blacklist</c>
/// (<c>*.example.com</c> matches its subdomains, <c>*</c> any host, others exactly); refused: 403
/// <c>{"message": message}</c>. A missing or unparsable Referer (no <c>//host</c>, a scheme other than http(s)) is
/// refused unless <c>bypass_missing</c>, in either mode, as APISIX.
/// </summary>
public sealed partial class RefererRestrictionPlugin : ProxyPlugin
{
    private readonly string[] _hosts;
    private readonly bool _whitelist;
    private readonly bool _bypassMissing;
    private readonly object _refusal;

    public RefererRestrictionPlugin(JsonObject config) : base("referer-restriction", 2990, PluginPhase.Access)
    {
        _whitelist = config.ContainsKey("whitelist");
        _hosts = ((config["whitelist"] ?? config["blacklist"]) as JsonArray ?? []).Select(h => h!.GetValue<string>()).ToArray();
        _bypassMissing = config["bypass_missing"]?.GetValue<bool>() ?? false;
        _refusal = new { message = Text(config, "message") ?? "Your referer host is not allowed" };
    }

    public override ValueTask<bool> OnRequestAsync(PluginContext context)
    {
        var match = RefererPattern().Match(context.Http.Request.Headers.Referer.ToString());
        if (!match.Success)
        {
            return _bypassMissing ? ValueTask.FromResult(true) : RespondAsync(context, 403, _refusal);
        }
        return Listed(match.Groups[2].Value) == _whitelist ? ValueTask.FromResult(true) : RespondAsync(context, 403, _refusal);
    }

    private bool Listed(string host)
    {
        foreach (var entry in _hosts)
        {
            if (entry == "*" || (entry.StartsWith('*') ? host.AsSpan().EndsWith(entry.AsSpan(1), StringComparison.Ordinal) : host == entry))
            {
                return true;
            }
        }
        return false;
    }

    [GeneratedRegex(@"^(?:(https?):)?//((?:[^\[\]:/\?]+)|(?:\[.+\]))(?::(\d+))?")]
    private static partial Regex RefererPattern();
}
