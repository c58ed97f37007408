using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OrleansGateway.DataPlane.Plugins.Requests;

/// <summary>
/// <c>uri-blocker</c>: the request URI (its path, then <c>?</c> and the raw query) searched with the
/// <c>block_rules</c> (any one, anywhere; <c>case_insensitive</c> optional); a match answers <c>rejected_code</c>
/// (403), with <c>{"error_msg": rejected_msg}</c> when set.
/// </summary>
public sealed class UriBlockerPlugin : ProxyPlugin
{
    private readonly Regex _rules;
    private readonly int _rejectedCode;
    private readonly object? _rejectedBody;

    public UriBlockerPlugin(JsonObject config) : base("uri-blocker", 2900)
    {
        var rules = (config["block_rules"] as JsonArray ?? []).Select(r => $"(?:{r!.GetValue<string>()})");
        var options = RegexOptions.CultureInvariant | (config["case_insensitive"]?.GetValue<bool>() == true ? RegexOptions.IgnoreCase : RegexOptions.None);
        _rules = new Regex(string.Join('|', rules), options, TimeSpan.FromMilliseconds(100));
        _rejectedCode = config["rejected_code"]?.GetValue<int>() ?? 403;
        _rejectedBody = Text(config, "rejected_msg") is { } message ? new { error_msg = message } : null;
    }

    public override ValueTask<bool> OnRequestAsync(PluginContext context)
    {
        var request = context.Http.Request;
        var uri = request.QueryString.HasValue ? request.Path.Value + request.QueryString.Value : request.Path.Value ?? "/";
        bool blocked;
        try
        {
            blocked = _rules.IsMatch(uri);
        }
        catch (RegexMatchTimeoutException)
        {
            blocked = true; // a URI built to stall the rules is refused
        }
        return blocked ? RespondAsync(context, _rejectedCode, _rejectedBody) : ValueTask.FromResult(true);
    }
}
