using OrleansGateway.Configuration;
using OrleansGateway.Contracts.History;
using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.Silo.AdminApi;

/// <summary>
/// Guards <c>/apisix/admin</c> and <c>/api</c> as APISIX does: the key comes from the <c>api_key</c> query argument,
/// else the <c>X-API-KEY</c> header, else an <c>X-API-KEY</c> cookie; none, a wrong one, or a write with a viewer key
/// gets 401 <c>{"error_msg":"failed to check token","description":…}</c> with APISIX's reason.
/// </summary>
public sealed class AdminKeyMiddleware(RequestDelegate next, AdminKeyStore keys)
{
    private const string Failed = "failed to check token";

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!request.Path.StartsWithSegments("/apisix/admin") && !request.Path.StartsWithSegments("/api"))
        {
            return next(context);
        }
        var token = request.Query.TryGetValue("api_key", out var argument) ? argument.ToString()
            : request.Headers.TryGetValue("X-API-KEY", out var header) ? header.ToString()
            : request.Cookies["X-API-KEY"];
        if (token is null)
        {
            return Refuse(context, "missing apikey");
        }
        var key = keys.Find(token);
        if (key is null)
        {
            return Refuse(context, "wrong apikey");
        }
        if (key.Role == "viewer" && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            return Refuse(context, "invalid method for role viewer");
        }
        context.Items[RoleItem] = key.Role;
        return NextAsAsync(context, key);
    }

    /// <summary>
    /// The rest of the pipeline with the key's name and the client's address in the grain calls' request context, for
    /// the audit log. Async so that the change stays within this request.
    /// </summary>
    private async Task NextAsAsync(HttpContext context, AdminKey key)
    {
        var address = context.Connection.RemoteIpAddress;
        AuditActor.Set(key.Name, (address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address)?.ToString());
        await next(context);
    }

    private const string RoleItem = "og.admin.role";

    /// <summary>The role of the key that authorized this request (<c>admin</c>, <c>viewer</c>), or null.</summary>
    public static string? RoleOf(HttpContext context) => context.Items.TryGetValue(RoleItem, out var role) ? role as string : null;

    private static Task Refuse(HttpContext context, string reason) =>
        AdminResponses.Error(401, AdminErrors.Described(Failed, reason)).ExecuteAsync(context);
}
