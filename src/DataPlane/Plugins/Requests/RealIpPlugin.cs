using System.Net;
using System.Text.Json.Nodes;
using OrleansGateway.DataPlane.Routing;

namespace OrleansGateway.DataPlane.Plugins.Requests;

/// <summary>
/// <c>real-ip</c>: the client address (and port) taken from <c>source</c> (a header such as <c>http_x_forwarded_for</c>
/// or any variable), when the peer is one of the <c>trusted_addresses</c> (or none are set); everything after it
/// (ip-restriction, limits keyed by <c>remote_addr</c>, the <c>X-Forwarded-For</c> sent upstream) sees that address.
/// With <c>recursive</c>, the X-Forwarded-For chain is walked from the right past trusted proxies. A value that is not
/// an address (or has a port outside 1–65535) changes nothing, as APISIX.
/// </summary>
public sealed class RealIpPlugin : ProxyPlugin
{
    private readonly IPNetwork[] _trusted;
    private readonly string _source;
    private readonly bool _recursive;

    public RealIpPlugin(JsonObject config) : base("real-ip", 23000)
    {
        _trusted = (config["trusted_addresses"] as JsonArray ?? []).Select(a => Networks.Parse(a!.GetValue<string>())).ToArray();
        _source = config["source"]!.GetValue<string>();
        _recursive = config["recursive"]?.GetValue<bool>() ?? false;
    }

    private bool Trusted(IPAddress? address)
    {
        if (address is null)
        {
            return false;
        }
        address = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        foreach (var network in _trusted)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }
        return false;
    }

    public override ValueTask<bool> OnRequestAsync(PluginContext context)
    {
        var connection = context.Http.Connection;
        if (_trusted.Length > 0 && !Trusted(connection.RemoteIpAddress))
        {
            return ValueTask.FromResult(true);
        }
        var value = _source == "http_x_forwarded_for" ? FromForwardedFor(context.Http.Request) : PluginVars.Resolve(context, _source);
        if (value is not null && TryParse(value.Trim(), out var address, out var port))
        {
            connection.RemoteIpAddress = address;
            if (port > 0)
            {
                connection.RemotePort = port;
            }
        }
        return ValueTask.FromResult(true);
    }

    /// <summary>The last X-Forwarded-For line's rightmost address, or with <c>recursive</c> the rightmost untrusted one.</summary>
    private string? FromForwardedFor(HttpRequest request)
    {
        var lines = request.Headers["X-Forwarded-For"];
        if (lines.Count == 0)
        {
            return null;
        }
        var line = lines[^1]!;
        var parts = line.Split(',', StringSplitOptions.TrimEntries);
        if (_recursive && _trusted.Length > 0)
        {
            for (var i = parts.Length - 1; i >= 1; i--)
            {
                if (!TryParse(parts[i], out var hop, out _) || !Trusted(hop))
                {
                    return parts[i];
                }
            }
            return parts[0];
        }
        return parts[^1];
    }

    /// <summary><c>ip</c>, <c>ip:port</c>, <c>[v6]</c> or <c>[v6]:port</c>.</summary>
    internal static bool TryParse(string text, out IPAddress address, out int port)
    {
        port = 0;
        if (IPAddress.TryParse(text, out address!) && !text.StartsWith('['))
        {
            return true;
        }
        string host;
        string? portText = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0)
            {
                return false;
            }
            host = text[1..close];
            if (close + 1 < text.Length)
            {
                if (text[close + 1] != ':')
                {
                    return false;
                }
                portText = text[(close + 2)..];
            }
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon < 0 || text.IndexOf(':') != colon)
            {
                return false;
            }
            (host, portText) = (text[..colon], text[(colon + 1)..]);
        }
        if (!IPAddress.TryParse(host, out address!))
        {
            return false;
        }
        return portText is null || (int.TryParse(portText, out port) && port is >= 1 and <= 65535);
    }
}
