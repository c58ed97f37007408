namespace OrleansGateway.Silo.AdminApi;

/// <summary><c>GET /api/cluster/silos</c>: the silos of the cluster and their status, as membership sees them.</summary>
public static class ClusterEndpoints
{
    public static void MapClusterEndpoints(this IEndpointRouteBuilder app)
    {
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
