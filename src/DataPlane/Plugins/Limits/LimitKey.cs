using System.Text.Json.Nodes;

namespace OrleansGateway.DataPlane.Plugins.Limits;

/// <summary>
/// The key a rate or concurrency limit counts by, as APISIX's limit plugins: <c>key_type</c> <c>var</c> (a variable,
/// default <c>remote_addr</c>), <c>var_combination</c> (a text with variables) or <c>constant</c>; a key whose
/// variables are all unset counts by the client address instead.
/// </summary>
public sealed class LimitKey
{
    private readonly string _type;
    private readonly string _key;
    private readonly VarTemplate? _template;

    public LimitKey(JsonObject config, string defaultKey = "remote_addr")
    {
        _type = config["key_type"]?.GetValue<string>() ?? "var";
        _key = config["key"]?.GetValue<string>() ?? defaultKey;
        _template = _type == "var_combination" ? VarTemplate.Parse(_key) : null;
    }

    public string Of(PluginContext context)
    {
        switch (_type)
        {
            case "constant":
                return _key;
            case "var_combination":
                var (text, resolved) = _template!.Resolve(context);
                return resolved > 0 ? text : ClientAddress(context);
            default:
                return PluginVars.Resolve(context, _key) ?? ClientAddress(context);
        }
    }

    private static string ClientAddress(PluginContext context) => Routing.Networks.Text(context.Http.Connection.RemoteIpAddress) ?? "";
}
