using Microsoft.AspNetCore.Authorization;
using OrleansGateway.Silo.AdminApi;

namespace OrleansGateway.Silo.Dashboard;

/// <summary>
/// Guards everything under <c>/dashboard</c> and every endpoint of the Orleans dashboard (which has no
/// authentication of its own): a live login cookie or a valid <c>X-API-KEY</c> passes. Otherwise a page a browser
/// navigates to is redirected to the login page, and anything else (the dashboard's XHR calls) gets 401.
/// </summary>
public sealed class DashboardAuthMiddleware(RequestDelegate next, DashboardSessions sessions, DashboardCookie cookie, AdminKeyStore keys, DashboardOnDemand onDemand)
{
    public Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        var isDashboard = context.Request.Path.StartsWithSegments(DashboardPaths.Root)
            || endpoint?.Metadata.GetMetadata<DashboardEndpointMetadata>() is not null;
        if (!isDashboard)
        {
            return next(context);
        }
        var headers = context.Response.Headers;
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        if (endpoint?.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            return next(context);
        }
        if (sessions.IsValid(cookie.Read(context)) || keys.Find(context.Request.Headers["X-API-KEY"].ToString()) is not null)
        {
            onDemand.Touch();
            return next(context);
        }
        if (IsPageRequest(context.Request))
        {
            context.Response.Redirect(DashboardPaths.Login);
            return Task.CompletedTask;
        }
        return AdminResponses.Error(401, "dashboard: log in at /dashboard/login or send X-API-KEY").ExecuteAsync(context);
    }

    private static bool IsPageRequest(HttpRequest request)
    {
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            return false;
        }
        var path = request.Path.Value ?? "";
        return path.TrimEnd('/').Equals(DashboardPaths.Root, StringComparison.OrdinalIgnoreCase)
            || path.Equals(DashboardPaths.Root + "/index.html", StringComparison.OrdinalIgnoreCase)
            || request.Headers["Sec-Fetch-Mode"] == "navigate"
            || request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
    }
}
