namespace OrleansGateway.Silo.Dashboard;

/// <summary>Where the dashboard and its login live on the Admin API's listener.</summary>
public static class DashboardPaths
{
    public const string Root = "/dashboard";
    public const string Home = "/dashboard/";
    public const string Login = "/dashboard/login";
    public const string Logout = "/dashboard/logout";
}
