using OrleansGateway.Configuration;

namespace OrleansGateway.Silo.Dashboard;

/// <summary>
/// The login cookie of the dashboard and the console: HttpOnly, SameSite=Strict, Path=/ (the console's live
/// connection is <c>/_blazor</c>), holding only a session token. Browsers share
/// cookies across ports of one host, so the name carries the Admin API port: silos on one machine do not overwrite
/// each other's logins.
/// </summary>
public sealed class DashboardCookie(GatewayConfig config)
{
    public string Name { get; } = $"og_dashboard_{config.AdminListen.Port}";

    public string? Read(HttpContext context) => context.Request.Cookies[Name];

    public void Write(HttpContext context, string token) =>
        context.Response.Cookies.Append(Name, token, Options(context, config.Dashboard.SessionTtl));

    public void Clear(HttpContext context) => context.Response.Cookies.Delete(Name, Options(context, null));

    private static CookieOptions Options(HttpContext context, TimeSpan? maxAge) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Path = "/",
        Secure = context.Request.IsHttps,
        MaxAge = maxAge,
        IsEssential = true,
    };
}
