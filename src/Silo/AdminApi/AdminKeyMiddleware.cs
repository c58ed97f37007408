namespace OrleansGateway.Silo.AdminApi;

/// <summary>
/// Guards <c>/apisix/admin</c> and <c>/api</c>: no or wrong <c>X-API-KEY</c> gets 401 as in APISIX; a viewer key may
/// only read.
/// </summary>
public sealed class AdminKeyMiddleware(RequestDelegate next, AdminKeyStore keys)
{
    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (!path.StartsWithSegments("/apisix/admin") && !path.StartsWithSegments("/api"))
        {
            return next(context);
        }
        var key = keys.Find(context.Request.Headers["X-API-KEY"].ToString());
        if (key is null)
        {
            return AdminResponses.Error(401, "failed to check token").ExecuteAsync(context);
        }
        if (key.Role == "viewer" && !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            return AdminResponses.Error(401, "failed to check token: the viewer role may only read").ExecuteAsync(context);
        }
        return next(context);
    }
}
