namespace OrleansGateway.Silo.Dashboard;

/// <summary>Marks the Orleans dashboard's endpoints, so the guard applies to them whatever path reached them.</summary>
public sealed class DashboardEndpointMetadata
{
    public static readonly DashboardEndpointMetadata Instance = new();

    private DashboardEndpointMetadata()
    {
    }
}
