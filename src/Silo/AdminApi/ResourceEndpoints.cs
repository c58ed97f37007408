using System.Globalization;
using OrleansGateway.Configuration;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;

namespace OrleansGateway.Silo.AdminApi;

/// <summary><c>/apisix/admin/{routes|services|upstreams|consumers|ssls|global_rules}[/{id}]?gateway_group_id=…</c></summary>
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
        admin.MapPatch("/{kind}/{id}", PatchAsync);
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
            : AdminResponses.Error(404, $"unsupported resource type \"{kind}\": expected routes, services, upstreams, consumers, ssls or global_rules");
        return error is null;
    }

    private static async Task<IResult> ListAsync(string kind, HttpRequest request, IGrainFactory grains)
    {
        if (!TryKind(kind, out var k, out var error))
        {
            return error!;
        }
        var q = request.Query;
        if (!TryInt(q["page"], 1, int.MaxValue, out var page) || !TryInt(q["page_size"], 10, 500, out var pageSize))
        {
            return AdminResponses.Error(400, "invalid query: page must be an integer >= 1 and page_size an integer from 10 to 500");
        }
        if (page > 0 && pageSize == 0)
        {
            pageSize = 10;
        }
        var query = new ListQuery(page, pageSize, Opt(q["name"]), Opt(q["label"]), Opt(q["uri"]));
        var result = await Group(grains, request).List(k, query);
        return result.Total < 0 ? AdminResponses.Error(404, $"gateway group \"{GroupId(request)}\" not found") : AdminResponses.List(result);
    }

    private static async Task<IResult> GetAsync(string kind, string id, HttpRequest request, IGrainFactory grains) =>
        !TryKind(kind, out var k, out var error) ? error! : AdminResponses.From(await Group(grains, request).Get(k, id));

    private static async Task<IResult> PutAsync(string kind, string id, HttpRequest request, IGrainFactory grains, GatewayConfig config)
    {
        if (!TryKind(kind, out var k, out var error))
        {
            return error!;
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
        return AdminResponses.From(await Group(grains, request).Put(k, id, body!, ifMatch));
    }

    private static async Task<IResult> PutWithBodyIdAsync(string kind, HttpRequest request, IGrainFactory grains, GatewayConfig config)
    {
        if (!TryKind(kind, out var k, out var error))
        {
            return error!;
        }
        var (body, bodyError) = await RequestBody.ReadAsync(request, config.AdminMaxBodyBytes);
        if (bodyError is not null)
        {
            return bodyError;
        }
        var value = OrleansGateway.Contracts.Validation.ResourceValidator.ParseObject(body!, out var parseError);
        if (value is null)
        {
            return AdminResponses.Error(400, parseError!);
        }
        var id = value[k.IdField()]?.ToString();
        if (string.IsNullOrEmpty(id))
        {
            return AdminResponses.Error(400, $"invalid configuration: property \"{k.IdField()}\" is required when PUT has no id in the path");
        }
        return AdminResponses.From(await Group(grains, request).Put(k, id, body!));
    }

    private static async Task<IResult> PostAsync(string kind, HttpRequest request, IGrainFactory grains, GatewayConfig config)
    {
        if (!TryKind(kind, out var k, out var error))
        {
            return error!;
        }
        var (body, bodyError) = await RequestBody.ReadAsync(request, config.AdminMaxBodyBytes);
        return bodyError ?? AdminResponses.From(await Group(grains, request).Post(k, body!));
    }

    private static async Task<IResult> PatchAsync(string kind, string id, HttpRequest request, IGrainFactory grains, GatewayConfig config)
    {
        if (!TryKind(kind, out var k, out var error))
        {
            return error!;
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
        return AdminResponses.From(await Group(grains, request).Patch(k, id, body!, ifMatch));
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
        var result = await Group(grains, request).Delete(k, id, ifMatch);
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

    private static bool TryInt(string? raw, int min, int max, out int value)
    {
        value = 0;
        if (string.IsNullOrEmpty(raw))
        {
            return true;
        }
        return int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
    }

    private static string? Opt(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
