namespace OrleansGateway.Silo.Security;

public static class DataPlaneBoundaryExtensions
{
    /// <summary>
    /// Silo calls carry the cluster's token; calls without it (clients through a gateway) are held to the data-plane
    /// surface. On always, with or without TLS: no client, whatever it presents, writes through the Orleans ports.
    /// </summary>
    public static ISiloBuilder AddDataPlaneBoundary(this ISiloBuilder silo)
    {
        silo.Services.AddSingleton<ClusterTrust>();
        silo.AddOutgoingGrainCallFilter<SiloCallStamp>();
        silo.AddIncomingGrainCallFilter<DataPlaneCallFilter>();
        return silo;
    }
}
