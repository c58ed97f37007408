using Microsoft.Extensions.DependencyInjection.Extensions;
using OrleansGateway.Configuration;
using OrleansGateway.Silo.WebConsole.Components;
using OrleansGateway.Silo.Dashboard;

namespace OrleansGateway.Silo.WebConsole;

/// <summary>
/// The operators' console under <c>/console/</c>: Blazor components rendered on the server (interactive over the
/// <c>/console/_blazor</c> connection, assets from <c>/console/_framework</c>, nothing fetched from elsewhere), behind the login of the
/// dashboard. It calls the grains as the Admin API does, under the logged-in key's name (the audit log's) and role
/// (a viewer's writes are refused here, whatever the page shows).
/// </summary>
public static class ConsoleExtensions
{
    /// <summary>Where the console lives on the Admin API's listener.</summary>
    public const string Root = "/console";

    /// <summary>
    /// The host's options: the web root (the console's published assets) is the one next to the program, whatever the
    /// working directory is (the content root stays the working directory: ./data and conf/config.yaml, as the README
    /// says; the Docker image runs in /var/lib/orleans-gateway).
    /// </summary>
    public static WebApplicationOptions Options(string[] args)
    {
        var published = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        return new WebApplicationOptions { Args = args, WebRootPath = Directory.Exists(published) ? published : null };
    }

    public static WebApplicationBuilder AddGatewayConsole(this WebApplicationBuilder builder, GatewayConfig config)
    {
        if (!config.ConsoleEnabled)
        {
            return builder;
        }
        builder.Services.TryAddSingleton<DashboardSessions>();
        builder.Services.TryAddSingleton<DashboardCookie>();
        builder.Services.AddAuthentication(ConsoleAuthentication.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ConsoleAuthentication>(ConsoleAuthentication.SchemeName, null);
        builder.Services.AddAuthorization();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        // The framework's script (/_framework/blazor.web.js) is a static web asset: a published build carries it in
        // wwwroot; a build run in place (dotnet run, the tests) finds it through the build's manifest, which ASP.NET
        // Core reads by itself only in the Development environment.
        Microsoft.AspNetCore.Hosting.StaticWebAssets.StaticWebAssetsLoader.UseStaticWebAssets(builder.Environment, builder.Configuration);
        builder.Services.AddScoped<ConsoleApi>();
        return builder;
    }

    /// <summary>After the data plane's port branches, so that only the Admin API's listener serves the console.</summary>
    public static WebApplication MapGatewayConsole(this WebApplication app, GatewayConfig config)
    {
        if (!config.ConsoleEnabled)
        {
            return app;
        }
        if (!config.Dashboard.Enabled)
        {
            app.MapDashboardLogin(); // the console's login, which the dashboard maps when it is on
        }
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        // Everything under /console — pages, /console/_framework, the live connection /console/_blazor — so that the
        // login cookie can be limited to /console (and /dashboard): a gateway on another port of this host never gets it.
        var console = app.MapGroup(Root).ExcludeFromDescription();
        console.MapStaticAssets();
        console.MapRazorComponents<App>().AddInteractiveServerRenderMode().RequireAuthorization();
        return app;
    }
}
