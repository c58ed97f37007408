using System.Net;
using System.Text.Json.Nodes;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary><c>ip-restriction</c>: a whitelist or a blacklist of IPs/CIDRs; refused clients get 403 (or <c>response_code</c>).</summary>
public sealed class IpRestrictionPlugin : ProxyPlugin
{
    private readonly IPNetwork[] _networks;
    private readonly bool _whitelist;
    private readonly string _message;
    private readonly int _status;

    public IpRestrictionPlugin(JsonObject config) : base("ip-restriction", 3000, PluginPhase.Access)
    {
        _whitelist = config.ContainsKey("whitelist");
        _networks = ((config["whitelist"] ?? config["blacklist"]) as JsonArray ?? []).Select(v => Routing.Networks.Parse(v!.GetValue<string>())).ToArray();
        _message = Text(config, "message") ?? "Your IP address is not allowed";
        _status = config["response_code"]?.GetValue<int>() ?? 403;
    }

    public override ValueTask<bool> OnRequestAsync(PluginContext context)
    {
        var ip = context.Request.RemoteAddress;
        if (ip is { IsIPv4MappedToIPv6: true })
        {
            ip = ip.MapToIPv4();
        }
        var listed = false;
        foreach (var network in _networks)
        {
            if (ip is not null && network.Contains(ip))
            {
                listed = true;
                break;
            }
        }
        return listed == _whitelist ? ValueTask.FromResult(true) : RespondAsync(context, _status, new { message = _message });
    }
}
