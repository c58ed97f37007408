using System.Net;

namespace OrleansGateway.DataPlane.Routing;

/// <summary>Parses the IPs and CIDRs of routes, vars and plugins (a bare IP is a /32 or /128).</summary>
public static class Networks
{
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
