using System.Globalization;
using OrleansGateway.Configuration;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.Silo.AdminApi;

/// <summary><c>/apisix/admin/{routes|services|upstreams|consumers|ssls|global_rules|plugin_configs|consumer_groups}[/{id}]?gateway_group_id=…</c></summary>
public static class ResourceEndpoints
{
    public static void MapResourceEndpoints(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/apisix/admin").WithTags("Resources");
        admin.MapGet("/{kind}", ListAsync);
        admin.MapGet("/{kind}/{id}", GetAsync);
        admin.MapPut("/{kind}/{id}", PutAsync);
        admin.MapPut("/{kind}", PutWithBodyIdAsync);
        admin.MapPost("/{kind}", PostAsync);
        admin.MapPost("/{kind}/{id}/{**rest}", PostWithId);
        // APISIX answers HEAD on the Admin API's root: tools use it to check that the API is there (and the key works).
        admin.MapMethods("", [HttpMethods.Head], () => Results.Ok());
        admin.MapPatch("/{kind}/{id}", PatchAsync);
        admin.MapPatch("/{kind}/{id}/{**subPath}", PatchPathAsync);
        admin.MapDelete("/{kind}/{id}", DeleteAsync);
    }

    private static IGatewayGroupGrain Group(IGrainFactory grains, HttpRequest request) =>
        grains.GetGrain<IGatewayGroupGrain>(GroupId(request));

    /// <summary>The group named by <c>gateway_group_id</c>, <c>default</c> when absent.</summary>
    public static string GroupId(HttpRequest request) =>
        request.Query["gateway_group_id"].ToString() is { Length: > 0 } id ? id : "default";

    private static bool TryKind(string kind, out ResourceKind parsed, out IResult? error)
    {
        error = ResourceKinds.TryParse(kind, out parsed)
            ? null
            : AdminResponses.Error(404, AdminErrors.Described($"Unsupported resource type: {kind}", $"expected {ResourceKinds.Names}"));
        return error is null;
    }

    private static async Task<IResult> ListAsync(string kind, HttpRequest request, IGrainFactory grains)
    {
        if (!TryKind(kind, out var k, out var error))
        {
            return error!;
        }
        var q = request.Query;
        // As APISIX: paging only with both page and page_size as numbers; page_size 10-500; a page below 1 is page 1.
        var (page, pageSize) = (0, 0);
        if (TryNumber(q["page"], out var pageArg) && TryNumber(q["page_size"], out var sizeArg))
        {
            if (sizeArg is < 10 or > 500)
            {
                return AdminResponses.Error(400, "page_size must be between 10 and 500");
            }
            (page, pageSize) = ((int)Math.Clamp(pageArg, 1, int.MaxValue), (int)sizeArg);
        }
        // An empty label= matches nothing, as in APISIX (no label key is empty); an empty name= or uri= matches all.
        var query = new ListQuery(page, pageSize, Opt(q["name"]), q.ContainsKey("label") ? q["label"].ToString() : null, Opt(q["uri"]), Opt(q["filter"]));
        var result = await Group(grains, request).List(k, query);
        return result.Total < 0 ? AdminResponses.Error(404, $"gateway group \"{GroupId(request)}\" not found") : AdminResponses.List(result);
    }

    private static async Task<IResult> GetAsync(string kind, string id, HttpRequest request, IGrainFactory grains) =>
        !TryKind(kind, out var k, out var error) ? error! : AdminResponses.Read(await Group(grains, request).Get(k, id));

    private static Task<IResult> PutAsync(string kind, string id, HttpRequest request, IGrainFactory grains, GatewayConfig config) =>
        WriteAsync(kind, request, grains, config, (group, k, body, ifMatch) => group.Put(k, id, body, ifMatch));

    private static async Task<IResult> PutWithBodyIdAsync(string kind, HttpRequest request, IGrainFactory grains, GatewayConfig config)
    {
        if (!TryKind(kind, out var k, out var error))
        {
            return error!;
        }
        if (TtlError(request) is { } ttlError)
        {
            return ttlError;
        }
        var (parsed, body, bodyError) = await RequestBody.ReadObjectAsync(request, config.AdminMaxBodyBytes);
        if (bodyError is not null)
        {
            return bodyError;
        }
        var value = parsed!;
        var idField = k.IdField();
        if (value[idField] is null)
        {
            return AdminResponses.Error(400, k == ResourceKind.Consumer ? "invalid configuration: property \"username\" is required"
                : k == ResourceKind.PluginMetadata ? "missing plugin name"
                : AdminErrors.Described($"missing {k.Singular()} id", $"PUT /apisix/admin/{k.PathName()} takes the id from the body's \"id\""));
        }
        if (k != ResourceKind.Consumer && ResourceSchemas.AnyId().Check(value[idField]) is { } idError)
        {
            return AdminResponses.Error(400, $"invalid configuration: property \"id\" validation failed: {idError}");
        }
        var id = ResourceIds.Text(value[idField])!;
        return AdminResponses.From(await Group(grains, request).PutWithBodyId(k, id, body!));
    }

    private static async Task<IResult> PostAsync(string kind, HttpRequest request, IGrainFactory grains, GatewayConfig config)
    {
        if (!TryKind(kind, out var k, out var error))
        {
            return error!;
        }
        if (ResourceKinds.Unsupported(k, "POST") is { } unsupported)
        {
            return AdminResponses.Error(405, unsupported);
        }
        if (TtlError(request) is { } ttlError)
        {
            return ttlError;
        }
        var (body, bodyError) = await RequestBody.ReadAsync(request, config.AdminMaxBodyBytes);
        return bodyError ?? AdminResponses.From(await Group(grains, request).Post(k, body!));
    }

    /// <summary>
    /// APISIX's <c>?ttl=</c> (a resource that deletes itself after so many seconds) is refused: it would vanish from the
    /// data planes with no write to show for it in the change log. A ttl that is not a number gets APISIX's own text.
    /// </summary>
    private static IResult? TtlError(HttpRequest request) => !request.Query.TryGetValue("ttl", out var ttl)
        ? null
        : AdminResponses.Error(400, double.TryParse(ttl, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            ? AdminErrors.Described("invalid argument ttl: not supported", "resources do not expire here; delete it when it is no longer wanted")
            : "invalid argument ttl: should be a number");

    /// <summary>POST generates the id: one in the path is refused before anything is read, as APISIX does.</summary>
    private static IResult PostWithId(string kind) =>
        !TryKind(kind, out var k, out var error)
            ? error!
            : AdminResponses.Error(400, AdminErrors.Described($"wrong {k.Singular()} id, do not need it",
                $"POST generates the id; use PUT /apisix/admin/{k.PathName()}/{{id}} to choose one"));

    private static Task<IResult> PatchAsync(string kind, string id, HttpRequest request, IGrainFactory grains, GatewayConfig config) =>
        WriteAsync(kind, request, grains, config, (group, k, body, ifMatch) => group.Patch(k, id, body, ifMatch));

    // A trailing slash alone (/upstreams/1/) is a whole-resource PATCH, as in APISIX.
    private static Task<IResult> PatchPathAsync(string kind, string id, string subPath, HttpRequest request, IGrainFactory grains, GatewayConfig config) =>
        WriteAsync(kind, request, grains, config, (group, k, body, ifMatch) => subPath.Trim('/').Length == 0
            ? group.Patch(k, id, body, ifMatch)
            : group.PatchPath(k, id, subPath.TrimEnd('/'), body, ifMatch));

    /// <summary>A write with a body and an optional <c>If-Match</c>, to the group's grain.</summary>
    private static async Task<IResult> WriteAsync(string kind, HttpRequest request, IGrainFactory grains, GatewayConfig config,
        Func<IGatewayGroupGrain, ResourceKind, string, long?, Task<AdminResult>> write)
    {
        if (!TryKind(kind, out var k, out var error))
        {
            return error!;
        }
        if (ResourceKinds.Unsupported(k, request.Method) is { } unsupported)
        {
            return AdminResponses.Error(405, unsupported);
        }
        if (TtlError(request) is { } ttlError)
        {
            return ttlError;
        }
        var (body, bodyError) = await RequestBody.ReadAsync(request, config.AdminMaxBodyBytes);
        if (bodyError is not null)
        {
            return bodyError;
        }
        if (!TryIfMatch(request, out var ifMatch, out var matchError))
        {
            return matchError!;
        }
        return AdminResponses.From(await write(Group(grains, request), k, body!, ifMatch));
    }

    private static async Task<IResult> DeleteAsync(string kind, string id, HttpRequest request, IGrainFactory grains)
    {
        if (!TryKind(kind, out var k, out var error))
        {
            return error!;
        }
        if (!TryIfMatch(request, out var ifMatch, out var matchError))
        {
            return matchError!;
        }
        // As APISIX: only force=true skips the check that nothing refers to it.
        var force = string.Equals(request.Query["force"], "true", StringComparison.Ordinal);
        var result = await Group(grains, request).Delete(k, id, ifMatch, force);
        return result.Error is null && result.Item is not null ? AdminResponses.Deleted(result.Item) : AdminResponses.From(result);
    }

    /// <summary><c>If-Match: N</c> makes the write conditional on the item's modifiedIndex (0: must not exist).</summary>
    private static bool TryIfMatch(HttpRequest request, out long? ifMatch, out IResult? error)
    {
        ifMatch = null;
        error = null;
        var raw = request.Headers.IfMatch.ToString().Trim('"', ' ');
        if (raw.Length == 0)
        {
            return true;
        }
        if (long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            ifMatch = value;
            return true;
        }
        error = AdminResponses.Error(400, $"invalid If-Match header \"{raw}\": expected a modifiedIndex number");
        return false;
    }

    private static bool TryNumber(string? raw, out long value) =>
        long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    private static string? Opt(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
