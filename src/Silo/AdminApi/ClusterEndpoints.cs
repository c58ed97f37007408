using OrleansGateway.Configuration;
using OrleansGateway.Configuration.Certificates;

namespace OrleansGateway.Silo.AdminApi;

/// <summary>
/// <c>GET /api/cluster/silos</c>: the silos of the cluster and their status, as membership sees them.
/// <c>GET /api/status</c>: this silo's role, cluster and how its Orleans connections are secured, with warnings.
/// </summary>
public static class ClusterEndpoints
{
    public static void MapClusterEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/status", (GatewayConfig config, IServiceProvider services) => AdminResponses.Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteString("role", config.Role);
            w.WriteString("cluster_id", config.Orleans.ClusterId);
            w.WriteString("service_id", config.Orleans.ServiceId);
            w.WriteString("orleans_transport", OrleansTransportStatus.Describe(config));
            if (services.GetService<PeerCertificateValidator>() is { } tls)
            {
                var current = tls.Files.Current.Certificate;
                w.WriteStartObject("certificate");
                w.WriteString("subject", current.Subject);
                w.WriteString("issuer", current.Issuer);
                w.WriteString("serial", current.SerialNumber);
                w.WriteString("not_after", current.NotAfter.ToUniversalTime());
                w.WriteEndObject();
                w.WriteNumber("refused_peers", tls.Refusals);
            }
            w.WriteStartArray("warnings");
            foreach (var warning in OrleansTransportStatus.Warnings(config))
            {
                w.WriteStringValue(warning);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        })).WithTags("Cluster");

        app.MapGet("/api/cluster/silos", async (IGrainFactory grains) =>
        {
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: false);
            return AdminResponses.Json(200, w =>
            {
                w.WriteStartObject();
                w.WriteNumber("active", hosts.Count(h => h.Value == SiloStatus.Active));
                w.WriteStartArray("list");
                foreach (var (silo, status) in hosts.OrderBy(h => h.Key.ToString(), StringComparer.Ordinal))
                {
                    w.WriteStartObject();
                    w.WriteString("address", silo.ToString());
                    w.WriteString("status", status.ToString());
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            });
        }).WithTags("Cluster");
    }
}
