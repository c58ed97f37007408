using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OrleansGateway.Contracts.Validation;

/// <summary>
/// APISIX's checks of an upstream beside its schema (on an upstream, or inline in a route or service), with APISIX's
/// texts: IPv6 node hosts bracketed; a <c>chash</c> upstream needs a <c>key</c> unless it hashes on the consumer, and
/// the key must suit <c>hash_on</c> (a variable name for <c>vars</c>, a header or cookie name for <c>header</c> and
/// <c>cookie</c>).
/// </summary>
public static partial class UpstreamChecks
{
    private const string VarsPattern = "^((uri|server_name|server_addr|request_uri|remote_port|remote_addr|query_string|host|hostname|mqtt_client_id)|arg_[0-9a-zA-z_-]+)$";
    private const string NamePattern = "^[a-zA-Z0-9-_]+$";

    /// <summary>The upstream a resource of <paramref name="kind"/> carries: itself, or its inline <c>upstream</c>.</summary>
    public static string? Check(Resources.ResourceKind kind, JsonObject value) => kind switch
    {
        Resources.ResourceKind.Upstream => Check(value),
        Resources.ResourceKind.Route or Resources.ResourceKind.Service when value["upstream"] is JsonObject upstream => Check(upstream),
        _ => null,
    };

    /// <summary>Null when the upstream passes, or APISIX's error text.</summary>
    public static string? Check(JsonObject upstream)
    {
        // Nodes as a list: an IPv6 host must be bracketed ([::1]), or "host:port" would be ambiguous.
        if (upstream["nodes"] is JsonArray nodes && nodes.Any(n => n?["host"] is JsonValue host
                && host.TryGetValue<string>(out var text) && !text.StartsWith('[')
                && System.Net.IPAddress.TryParse(text, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6))
        {
            return "invalid configuration: IPv6 address must be enclosed with '[' and ']'";
        }
        if (upstream["type"]?.GetValue<string>() != "chash")
        {
            return null;
        }
        var hashOn = upstream["hash_on"]?.GetValue<string>() ?? "vars";
        var key = upstream["key"]?.GetValue<string>();
        if (hashOn != "consumer" && key is null)
        {
            return "missing key";
        }
        var (pattern, regex) = hashOn switch
        {
            "vars" => (VarsPattern, Vars()),
            "header" or "cookie" => (NamePattern, Name()),
            _ => (null, null),
        };
        return regex is not null && key is not null && !regex.IsMatch(key)
            ? $"invalid configuration: failed to match pattern \"{pattern}\" with \"{key}\""
            : null;
    }

    // APISIX's pattern as written: its "A-z" range also admits [ \ ] ^ and the backtick.
    [GeneratedRegex(VarsPattern, RegexOptions.CultureInvariant)]
    private static partial Regex Vars();

    [GeneratedRegex(NamePattern, RegexOptions.CultureInvariant)]
    private static partial Regex Name();
}
