using System.Net;

namespace OrleansGateway.DataPlane.Routing;

/// <summary>Parses the IPs and CIDRs of routes, vars and plugins (a bare IP is a /32 or /128).</summary>
public static class Networks
{
    /// <summary>
    /// An address as APISIX writes it (<c>$remote_addr</c>): an IPv4 client of a dual-stack listener as IPv4
    /// (<c>127.0.0.1</c>, not <c>::ffff:127.0.0.1</c>).
    /// </summary>
    public static string? Text(IPAddress? address) => address is null ? null : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();

    public static IPNetwork Parse(string text)
    {
        if (text.Contains('/'))
        {
            return IPNetwork.Parse(text);
        }
        var ip = IPAddress.Parse(text);
        return new IPNetwork(ip, ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
    }
}
