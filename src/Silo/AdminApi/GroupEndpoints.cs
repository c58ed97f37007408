using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansGateway.Configuration;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.Silo.AdminApi;

/// <summary>
/// <c>/api/gateway_groups[/{id}[/config|/export]]</c> and the standalone-style bulk endpoint
/// <c>/apisix/admin/configs</c>.
/// </summary>
public static class GroupEndpoints
{
    /// <summary>The body of <c>POST /api/gateway_groups</c> (the console's form too).</summary>
    internal static readonly ObjectSchema CreateSchema =
        new(("id", S.Id()), ("name", S.Str(1, 256)), ("description", S.Str(max: 1024))) { Required = ["id"] };

    public static void MapGroupEndpoints(this IEndpointRouteBuilder app)
    {
        var groups = app.MapGroup("/api/gateway_groups").WithTags("Gateway groups");
        groups.MapGet("/", ListAsync);
        groups.MapPost("/", CreateAsync);
        groups.MapGet("/{id}", async (string id, IGrainFactory grains) => GroupResponse(await grains.GetGrain<IGatewayGroupGrain>(id).GetInfo()));
        groups.MapDelete("/{id}", async (string id, IGrainFactory grains) => GroupResponse(await grains.GetGrain<IGatewayGroupGrain>(id).DeleteGroup()));
        groups.MapGet("/{id}/config", async (string id, HttpContext context, IGrainFactory grains) =>
            ConfigResponse(await grains.GetGrain<IGatewayGroupGrain>(id).GetConfig(), context));
        groups.MapPut("/{id}/config", PutConfigAsync);
        groups.MapGet("/{id}/export", ExportAsync);
        groups.MapGet("/{id}/instances", InstancesAsync);

        var configs = app.MapGroup("/apisix/admin/configs").WithTags("Resources");
        configs.MapGet("/", GetConfigsAsync);
        configs.MapPut("/", PutConfigsAsync);
    }

    private static async Task<IResult> ListAsync(IGrainFactory grains)
    {
        var list = await grains.GetGrain<IGatewayGroupDirectoryGrain>(0).List();
        return AdminResponses.Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("total", list.Count);
            w.WriteStartArray("list");
            foreach (var g in list)
            {
                AdminResponses.WriteGroup(w, g);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, IGrainFactory grains, GatewayConfig config)
    {
        var (parsed, _, bodyError) = await RequestBody.ReadObjectAsync(request, config.AdminMaxBodyBytes);
        if (bodyError is not null)
        {
            return bodyError;
        }
        var value = parsed!;
        if (CreateSchema.Check(value) is { } error)
        {
            return AdminResponses.Error(400, $"invalid configuration: {error}");
        }
        var id = value["id"]!.GetValue<string>();
        return GroupResponse(await grains.GetGrain<IGatewayGroupGrain>(id).Create(value["name"]?.GetValue<string>(), value["description"]?.GetValue<string>()));
    }

    private static async Task<IResult> PutConfigAsync(string id, HttpRequest request, IGrainFactory grains, GatewayConfig config)
    {
        var (body, bodyError) = await RequestBody.ReadAsync(request, config.AdminMaxBodyBytes);
        return bodyError ?? ConfigResponse(await grains.GetGrain<IGatewayGroupGrain>(id).PutConfig(body!), request.HttpContext);
    }

    private static async Task<IResult> ExportAsync(string id, HttpContext context, IGrainFactory grains)
    {
        if (await MissingGroupAsync(grains, id) is { } missing)
        {
            return missing;
        }
        var export = await grains.GetGrain<IGatewayGroupGrain>(id).Export();
        return AdminResponses.Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteString("gateway_group_id", export.Group);
            w.WriteNumber("version", export.Version);
            w.WritePropertyName("config");
            w.WriteRawValue(ForCaller(export.ConfigJson, context), skipInputValidation: true);
            w.WritePropertyName("resources");
            StandaloneConfig.Write(w, export, withoutPrivateKeys: true);
            w.WriteEndObject();
        });
    }

    /// <summary>The group's data planes, as their heartbeats report them.</summary>
    private static async Task<IResult> InstancesAsync(string id, IGrainFactory grains)
    {
        var info = await grains.GetGrain<IGatewayGroupGrain>(id).GetInfo();
        if (info.Group is null)
        {
            return AdminResponses.Error(info.Status, info.Error!);
        }
        var list = await grains.GetGrain<IDataPlaneRegistryGrain>(id).List();
        return AdminResponses.Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("total", list.Count);
            w.WriteNumber("group_version", info.Group.Version);
            w.WriteStartArray("list");
            foreach (var i in list)
            {
                w.WriteStartObject();
                w.WriteString("id", i.Last.InstanceId);
                w.WriteString("hostname", i.Last.Hostname);
                w.WriteString("status", i.Status);
                w.WriteString("mode", i.Last.Mode);
                w.WriteNumber("version", i.Last.Version);
                w.WriteBoolean("in_sync", i.Last.Version == info.Group.Version);
                w.WriteString("last_seen", i.LastSeen);
                w.WriteString("started_at", i.Last.StartedAt);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static async Task<IResult> GetConfigsAsync(HttpRequest request, IGrainFactory grains)
    {
        var id = ResourceEndpoints.GroupId(request);
        if (await MissingGroupAsync(grains, id) is { } missing)
        {
            return missing;
        }
        var export = await grains.GetGrain<IGatewayGroupGrain>(id).Export();
        return AdminResponses.Json(200, w => StandaloneConfig.Write(w, export, withoutPrivateKeys: true));
    }

    /// <summary>A standalone set as JSON text, from a JSON body or an apisix.yaml one; or the error to answer.</summary>
    public static async Task<(string? Json, IResult? Error)> ReadSetAsync(HttpRequest request, GatewayConfig config)
    {
        var (body, bodyError) = await RequestBody.ReadAsync(request, config.AdminMaxBodyBytes);
        if (bodyError is not null)
        {
            return (null, bodyError);
        }
        if (IsYaml(request))
        {
            // An apisix.yaml file as it is: same top-level keys, YAML syntax, a closing "#END" line.
            var converted = YamlJson.Convert(body!, out var yamlError);
            return converted is null ? (null, AdminResponses.Error(400, $"invalid request body: {yamlError}")) : (converted.ToJsonString(), null);
        }
        return (body, null);
    }

    private static async Task<IResult> PutConfigsAsync(HttpRequest request, IGrainFactory grains, GatewayConfig config)
    {
        var (body, bodyError) = await ReadSetAsync(request, config);
        if (bodyError is not null)
        {
            return bodyError;
        }
        var force = string.Equals(request.Query["force"], "true", StringComparison.Ordinal);
        var result = await grains.GetGrain<IGatewayGroupGrain>(ResourceEndpoints.GroupId(request)).ReplaceAll(body!, force);
        if (result.Error is not null)
        {
            return AdminResponses.Error(result.Status, result.Error);
        }
        return AdminResponses.Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("version", result.Version);
            w.WriteEndObject();
        });
    }

    private static bool IsYaml(HttpRequest request) =>
        request.ContentType is { } type && (type.Contains("yaml", StringComparison.OrdinalIgnoreCase) || type.Contains("yml", StringComparison.OrdinalIgnoreCase));

    /// <summary>404 (or the grain's error) when the group does not exist, else null.</summary>
    internal static async Task<IResult?> MissingGroupAsync(IGrainFactory grains, string id)
    {
        var info = await grains.GetGrain<IGatewayGroupGrain>(id).GetInfo();
        return info.Group is null ? AdminResponses.Error(info.Status, info.Error!) : null;
    }

    private static IResult GroupResponse(GroupResult result) =>
        result.Error is not null
            ? AdminResponses.Error(result.Status, result.Error)
            : AdminResponses.Json(result.Status, w => AdminResponses.WriteGroup(w, result.Group!));

    /// <summary>
    /// An instance configuration as the caller may read it: the keyring (a secret: it opens every encrypted field) only
    /// for admin keys; a viewer sees how many keys it holds.
    /// </summary>
    private static string ForCaller(string configJson, HttpContext context) => ForRole(configJson, AdminKeyMiddleware.RoleOf(context));

    /// <summary>An instance configuration as a key of <paramref name="role"/> may read it (the console's too).</summary>
    internal static string ForRole(string configJson, string? role)
    {
        if (role == "admin" || JsonNode.Parse(configJson)?["data_encryption"] is not JsonObject settings
            || settings["keyring"] is not JsonArray keyring)
        {
            return configJson;
        }
        var config = JsonNode.Parse(configJson)!.AsObject();
        config["data_encryption"]!["keyring"] = $"hidden from role viewer ({keyring.Count} keys)";
        return config.ToJsonString();
    }

    private static IResult ConfigResponse(GroupResult result, HttpContext context) =>
        result.Error is not null
            ? AdminResponses.Error(result.Status, result.Error)
            : AdminResponses.Json(200, w =>
            {
                w.WriteStartObject();
                w.WriteString("gateway_group_id", result.Group!.Id);
                w.WriteNumber("version", result.Group.Version);
                w.WritePropertyName("config");
                w.WriteRawValue(ForCaller(result.ConfigJson ?? "{}", context), skipInputValidation: true);
                w.WriteEndObject();
            });
}
