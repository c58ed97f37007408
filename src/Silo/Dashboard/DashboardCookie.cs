using OrleansGateway.Configuration;

namespace OrleansGateway.Silo.Dashboard;

/// <summary>
/// The login cookie of the dashboard and the console: HttpOnly, SameSite=Strict, holding only a session token, set
/// twice with the same token — Path=/dashboard and Path=/console — so that it goes nowhere else on this host (a
/// gateway on another port of the same host would otherwise receive it, and its upstreams with it). Browsers share
/// cookies across ports of one host, so the name carries the Admin API port: silos on one machine do not overwrite
/// each other's logins.
/// </summary>
public sealed class DashboardCookie(GatewayConfig config)
{
    public string Name { get; } = $"og_dashboard_{config.AdminListen.Port}";

    public string? Read(HttpContext context) => context.Request.Cookies[Name];

    /// <summary>The paths the cookie is limited to: the dashboard's and the console's.</summary>
    public static readonly IReadOnlyList<string> Paths = [DashboardPaths.Root, "/console"];

    public void Write(HttpContext context, string token)
    {
        foreach (var path in Paths)
        {
            context.Response.Cookies.Append(Name, token, Options(context, path, config.Dashboard.SessionTtl));
        }
    }

    public void Clear(HttpContext context)
    {
        foreach (var path in Paths)
        {
            context.Response.Cookies.Delete(Name, Options(context, path, null));
        }
    }

    private static CookieOptions Options(HttpContext context, string path, TimeSpan? maxAge) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Path = path,
        Secure = context.Request.IsHttps,
        MaxAge = maxAge,
        IsEssential = true,
    };
}
