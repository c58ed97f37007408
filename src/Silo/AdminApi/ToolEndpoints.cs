using OrleansGateway.Configuration;
using OrleansGateway.Contracts.Plugins;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Validation;
using OrleansGateway.Grains.Groups;

namespace OrleansGateway.Silo.AdminApi;

/// <summary>
/// APISIX's Admin API tools that store nothing: <c>POST /apisix/admin/schema/validate/{kind}</c> and
/// <c>POST /apisix/admin/configs/validate</c> (check a resource or a whole set as a write would, for CI pipelines),
/// <c>GET /apisix/admin/plugins/list</c>, and <c>PUT /apisix/admin/plugins/reload</c> (the plugins are compiled in:
/// nothing to reload, so it answers as APISIX does once its reload is posted).
/// </summary>
public static class ToolEndpoints
{
    public static void MapToolEndpoints(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/apisix/admin").WithTags("Tools");
        admin.MapPost("/schema/validate/{kind}", ValidateResourceAsync);
        admin.MapPost("/configs/validate", ValidateSetAsync);
        admin.MapGet("/plugins/list", (string? subsystem) => subsystem is null or "http" or "stream"
            ? AdminResponses.Json(200, w =>
            {
                w.WriteStartArray();
                // As APISIX: by priority, highest first; no stream plugins are provided.
                foreach (var plugin in PluginCatalog.All.Values.Where(_ => subsystem != "stream").OrderByDescending(p => p.Priority))
                {
                    w.WriteStringValue(plugin.Name);
                }
                w.WriteEndArray();
            })
            : AdminResponses.Error(400, "invalid subsystem passed"));
        admin.MapPut("/plugins/reload", () => Results.Text("done"));
        admin.MapMethods("/plugins/reload", [HttpMethods.Get, HttpMethods.Post, HttpMethods.Delete, HttpMethods.Patch], (HttpRequest request) =>
            AdminResponses.Error(405, $"please use PUT method to reload the plugins, {request.Method} method is not allowed."));
    }

    private static async Task<IResult> ValidateResourceAsync(string kind, HttpRequest request, GatewayConfig config)
    {
        if (!ResourceKinds.TryParse(kind, out var k))
        {
            return AdminResponses.Error(404, $"Unsupported resource type: {kind}");
        }
        var (parsed, _, bodyError) = await RequestBody.ReadObjectAsync(request, config.AdminMaxBodyBytes);
        if (bodyError is not null)
        {
            return bodyError;
        }
        var value = parsed!;
        // The checks of a write, short of the references (which need a group): the id as in the body, if any.
        var id = ResourceIds.Text(value[k.IdField()]);
        var error = ResourceValidator.ForbiddenTimes(value) ?? ResourceValidator.Validate(k, id, value);
        return error is null ? Results.Ok() : AdminResponses.Error(400, error);
    }

    private static async Task<IResult> ValidateSetAsync(HttpRequest request, GatewayConfig config)
    {
        var (body, bodyError) = await GroupEndpoints.ReadSetAsync(request, config);
        if (bodyError is not null)
        {
            return bodyError;
        }
        var set = ResourceValidator.ParseObject(body!, out var parseError);
        if (set is null)
        {
            return AdminResponses.Error(400, parseError!);
        }
        var problems = BulkConfig.Problems(set);
        return AdminResponses.Json(problems.Count == 0 ? 200 : 400, w =>
        {
            w.WriteStartObject();
            if (problems.Count > 0)
            {
                w.WriteString("error_msg", "Configuration validation failed");
                w.WriteStartArray("errors");
                foreach (var problem in problems)
                {
                    w.WriteStartObject();
                    w.WriteString("resource_type", problem.ResourceType);
                    if (problem.ResourceId is { } id)
                    {
                        w.WriteString("resource_id", id);
                    }
                    if (problem.Index is { } index)
                    {
                        w.WriteNumber("index", index);
                    }
                    var (message, description) = AdminErrors.Split(problem.Error);
                    w.WriteString("error", message);
                    if (description is not null)
                    {
                        w.WriteString("description", description);
                    }
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        });
    }
}
