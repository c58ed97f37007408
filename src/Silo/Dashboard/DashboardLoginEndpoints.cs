using OrleansGateway.Configuration;
using Microsoft.AspNetCore.WebUtilities;
using OrleansGateway.Silo.AdminApi;

namespace OrleansGateway.Silo.Dashboard;

/// <summary>
/// <c>/dashboard/login</c> and <c>/dashboard/logout</c>, the login of the dashboard and the console. A correct admin or
/// viewer key starts a session and sets its cookie (viewers only read, in the console too); the key itself is neither
/// stored in the cookie nor logged. <c>?next=</c> names where to go after it (the console's pages; nowhere else).
/// </summary>
public static class DashboardLoginEndpoints
{
    private const int MaxFormBytes = 8 * 1024;

    public static IEndpointRouteBuilder MapDashboardLogin(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(DashboardPaths.Login, ShowLogin).AllowAnonymous().ExcludeFromDescription();
        endpoints.MapPost(DashboardPaths.Login, LogInAsync).AllowAnonymous().ExcludeFromDescription().DisableAntiforgery();
        endpoints.MapGet(DashboardPaths.Logout, DashboardPages.WriteLogoutAsync).AllowAnonymous().ExcludeFromDescription();
        endpoints.MapPost(DashboardPaths.Logout, LogOut).AllowAnonymous().ExcludeFromDescription().DisableAntiforgery();
        return endpoints;
    }

    /// <summary>Where a login leads when it names no page: the dashboard, or the console when the dashboard is off.</summary>
    private static string Home(GatewayConfig config) => config.Dashboard.Enabled ? DashboardPaths.Home : "/console/";

    private static Task ShowLogin(HttpContext context, DashboardSessions sessions, DashboardCookie cookie, GatewayConfig config)
    {
        var next = SafeNext(context.Request.Query["next"]);
        if (sessions.IsValid(cookie.Read(context)))
        {
            context.Response.Redirect(next ?? Home(config));
            return Task.CompletedTask;
        }
        var loggedOut = context.Request.Query.ContainsKey("logged_out");
        return DashboardPages.WriteLoginAsync(context, StatusCodes.Status200OK, loggedOut ? "Logged out." : null, isError: false, next);
    }

    private static async Task LogInAsync(HttpContext context, AdminKeyStore keys, DashboardSessions sessions, DashboardCookie cookie, ILoggerFactory loggers, GatewayConfig config)
    {
        if (!IsSameOrigin(context.Request))
        {
            await DashboardPages.WriteLoginAsync(context, StatusCodes.Status403Forbidden, "The login form must be sent from this page.", isError: true);
            return;
        }
        var (presented, nextField) = await ReadFormAsync(context);
        var next = SafeNext(nextField);
        var key = keys.Find(presented);
        var log = loggers.CreateLogger("OrleansGateway.Silo.Dashboard");
        if (key is null)
        {
            log.LogWarning("Dashboard login refused from {Remote}: wrong or missing key", context.Connection.RemoteIpAddress);
            await DashboardPages.WriteLoginAsync(context, StatusCodes.Status401Unauthorized, "That key is not valid.", isError: true, next);
            return;
        }
        sessions.End(cookie.Read(context)); // a login never continues an earlier session
        cookie.Write(context, sessions.Start(key.Name, key.Role));
        log.LogInformation("Dashboard login with key {KeyName} ({Role}) from {Remote}", key.Name, key.Role, context.Connection.RemoteIpAddress);
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = next ?? Home(config);
    }

    /// <summary>
    /// Where a login may lead: a path of the console or the dashboard on this host, nothing else (an open redirect
    /// would let a link to this login page send a person anywhere).
    /// </summary>
    internal static string? SafeNext(string? next)
    {
        if (string.IsNullOrEmpty(next) || next.Length > 512 || !next.StartsWith('/') || next.StartsWith("//", StringComparison.Ordinal)
            || next.Any(c => c == '\\' || char.IsControl(c)))
        {
            return null;
        }
        var path = next.Split('?', '#')[0];
        return path == "/console" || path.StartsWith("/console/", StringComparison.Ordinal) || path.StartsWith(DashboardPaths.Home, StringComparison.Ordinal) ? next : null;
    }

    private static async Task LogOut(HttpContext context, DashboardSessions sessions, DashboardCookie cookie, ILoggerFactory loggers)
    {
        var (_, nextField) = await ReadFormAsync(context);
        var next = SafeNext(nextField);
        if (sessions.End(cookie.Read(context)) is { } keyName)
        {
            loggers.CreateLogger("OrleansGateway.Silo.Dashboard").LogInformation(
                "Dashboard logout of a session of key {KeyName} from {Remote}", keyName, context.Connection.RemoteIpAddress);
        }
        cookie.Clear(context);
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = DashboardPaths.Login + "?logged_out" + (next is null ? "" : "&next=" + Uri.EscapeDataString(next));
    }

    /// <summary>The <c>key</c> and <c>next</c> fields of a small urlencoded form; nulls for anything else.</summary>
    private static async Task<(string? Key, string? Next)> ReadFormAsync(HttpContext context)
    {
        var request = context.Request;
        if (!request.HasFormContentType || request.ContentLength > MaxFormBytes)
        {
            return (null, null);
        }
        try
        {
            using var reader = new FormReader(request.Body)
            {
                ValueCountLimit = 8,
                KeyLengthLimit = 64,
                ValueLengthLimit = MaxFormBytes,
            };
            var form = await reader.ReadFormAsync(context.RequestAborted);
            return (form.TryGetValue("key", out var value) ? value.ToString().Trim() : null, form.TryGetValue("next", out var next) ? next.ToString() : null);
        }
        catch (InvalidDataException)
        {
            return (null, null);
        }
    }

    /// <summary>Browsers send Origin with a form POST; one from another site is refused (login CSRF).</summary>
    private static bool IsSameOrigin(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        return origin.Length == 0 || string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase);
    }
}
