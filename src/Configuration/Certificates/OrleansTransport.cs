using System.Net;

namespace OrleansGateway.Configuration.Certificates;

/// <summary>
/// Secure by default: Orleans ports that other hosts can reach never run without mutual TLS by accident. The embedded
/// default (one silo on loopback, data planes on loopback) needs no certificates; a silo advertising another address
/// or clustering through PostgreSQL, and a data plane following non-loopback gateways or the PostgreSQL membership
/// table, must have <c>deployment.certs</c> — or say <c>deployment.orleans.allow_insecure: true</c>.
/// </summary>
public static class OrleansTransport
{
    /// <summary>Checks the rule and the certificate files; returns the config with <see cref="GatewayConfig.InsecureOrleans"/> set.</summary>
    public static GatewayConfig Check(GatewayConfig config)
    {
        var exposure = Exposure(config);
        if (config.Certs is { } certs)
        {
            var set = CertificateSet.Load(certs);
            RequireRole(config, set, certs);
            return config;
        }
        if (exposure is null)
        {
            return config;
        }
        if (!config.Orleans.AllowInsecure)
        {
            throw ConfigReader.Invalid("deployment:certs", "", $"{exposure}, so its Orleans connections need mutual TLS: set deployment.certs.cert, " +
                "deployment.certs.cert_key and deployment.certs.trusted_ca_cert (scripts/certs.sh issues them), or set " +
                "deployment.orleans.allow_insecure: true to run without TLS on a network you trust");
        }
        return config with { InsecureOrleans = true };
    }

    /// <summary>Why this node's Orleans traffic leaves the host, or null when it stays on loopback (or never flows).</summary>
    public static string? Exposure(GatewayConfig config)
    {
        var o = config.Orleans;
        if (config.Role == "data_plane")
        {
            if (config.ConfigProvider != "control_plane")
            {
                return null;
            }
            if (o.Gateways.FirstOrDefault(g => !IPAddress.IsLoopback(g.Address)) is { } remote)
            {
                return $"this data plane connects to gateway {remote} (deployment.orleans.gateways), not on loopback";
            }
            return o.Gateways.Count == 0 && o.PostgreSqlConnectionString is not null
                ? "this data plane finds its gateways in the PostgreSQL membership table (deployment.orleans.postgresql), which lists silos on any host"
                : null;
        }
        if (!IPAddress.IsLoopback(o.AdvertisedIp))
        {
            return $"this silo advertises {o.AdvertisedIp} (deployment.orleans.advertised_ip), not a loopback address";
        }
        return o.PostgreSqlConnectionString is not null
            ? "this silo clusters through PostgreSQL (deployment.orleans.postgresql), where silos and data planes on other hosts join it"
            : null;
    }

    private static void RequireRole(GatewayConfig config, CertificateSet set, CertsConfig certs)
    {
        if (config.Role == "data_plane")
        {
            if (!set.Identity.Serves(config.GatewayGroupId))
            {
                throw ConfigReader.Invalid("deployment:certs:cert", certs.Cert,
                    $"a data plane of group '{config.GatewayGroupId}' needs a certificate with the SAN URI {PeerIdentity.GroupUriPrefix}{config.GatewayGroupId} " +
                    $"(scripts/certs.sh dataplane issues it); this one is: {set.Identity}");
            }
        }
        else if (!set.Identity.IsSilo)
        {
            throw ConfigReader.Invalid("deployment:certs:cert", certs.Cert,
                $"a silo needs a certificate with the SAN URI {PeerIdentity.SiloUri} (scripts/certs.sh silo issues it); this one is: {set.Identity}");
        }
    }
}
