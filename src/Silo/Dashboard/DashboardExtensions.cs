using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Dashboard;
using OrleansGateway.Configuration;

namespace OrleansGateway.Silo.Dashboard;

/// <summary>
/// The Orleans dashboard on the Admin API's listener under <c>/dashboard/</c>, behind a login with an admin or viewer
/// key (<c>deployment.admin.dashboard.enabled: false</c> leaves it out entirely), its collection running only while it
/// is in use (<see cref="DashboardOnDemand"/>).
/// </summary>
public static class DashboardExtensions
{
    public static WebApplicationBuilder AddGatewayDashboard(this WebApplicationBuilder builder, GatewayConfig config)
    {
        if (config.Dashboard.Enabled)
        {
            builder.UseOrleans(DashboardOnDemand.AddTo);
            builder.Services.TryAddSingleton<DashboardSessions>();
            builder.Services.TryAddSingleton<DashboardCookie>();
        }
        return builder;
    }

    /// <summary>After the data plane's port branches, so that only the Admin API's listener serves the dashboard.</summary>
    public static WebApplication MapGatewayDashboard(this WebApplication app, GatewayConfig config)
    {
        if (config.Dashboard.Enabled)
        {
            app.UseMiddleware<DashboardAuthMiddleware>();
            app.MapDashboardLogin();
            app.MapOrleansDashboard(DashboardPaths.Root).WithMetadata(DashboardEndpointMetadata.Instance).ExcludeFromDescription();
        }
        return app;
    }
}
