namespace OrleansGateway.Silo.AdminApi;

/// <summary>
/// APISIX's Admin API CORS (<c>deployment.admin.enable_admin_cors</c>): a preflight (<c>OPTIONS</c>) to
/// <c>/apisix/admin</c> gets 200 with the allowed methods and headers before any key check; every other answer carries
/// <c>Access-Control-Allow-Origin: *</c>. (Browsers send no cookies with a wildcard origin: a page elsewhere still needs
/// the key itself.)
/// </summary>
public sealed class AdminCorsMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/apisix/admin"))
        {
            return next(context);
        }
        var headers = context.Response.Headers;
        headers.AccessControlAllowOrigin = "*";
        headers.AccessControlAllowCredentials = "true";
        headers.AccessControlMaxAge = "3600";
        if (HttpMethods.IsOptions(context.Request.Method))
        {
            headers.AccessControlAllowMethods = "POST, GET, PUT, OPTIONS, DELETE, PATCH";
            headers.AccessControlAllowHeaders = "*";
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "text/plain";
            context.Response.ContentLength = 0;
            return Task.CompletedTask;
        }
        headers.AccessControlExposeHeaders = "*";
        return next(context);
    }
}
