using OrleansGateway.Contracts.Resources;
using OrleansGateway.Grains.Observability;

namespace OrleansGateway.Silo.AdminApi;

/// <summary>
/// Counts every authenticated write under <c>/apisix/admin</c> (PUT, POST, PATCH, DELETE) in
/// <c>og_cp_admin_writes</c> by group, kind and outcome, after the response status is known (errors included).
/// </summary>
public sealed class AdminWriteMetricsMiddleware(RequestDelegate next, ControlPlaneMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)
            || !request.Path.StartsWithSegments("/apisix/admin", out var rest))
        {
            await next(context);
            return;
        }
        try
        {
            await next(context);
        }
        finally
        {
            // The group comes from the request: label it only when the request got as far as an existing group, so
            // made-up group names cannot grow the series without bound.
            var status = context.Response.StatusCode;
            var group = status == StatusCodes.Status404NotFound ? "unknown" : ResourceEndpoints.GroupId(request);
            metrics.AdminWrite(group, KindOf(rest), status);
        }
    }

    /// <summary>The first path segment when it names a kind (or <c>configs</c>); anything else is one label, <c>unknown</c>.</summary>
    private static string KindOf(PathString rest)
    {
        var segment = rest.Value?.TrimStart('/').Split('/', 2)[0] ?? "";
        return segment == "configs" || ResourceKinds.TryParse(segment, out _) ? segment : "unknown";
    }
}
