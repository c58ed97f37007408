using System.Globalization;
using System.Text.Json;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.History;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Snapshots;
using OrleansGateway.Snapshots;
using OrleansGateway.Snapshots.Stores;

namespace OrleansGateway.Silo.AdminApi;

/// <summary>
/// The audit log and history of a group: <c>GET /api/gateway_groups/{id}/changes</c> (who changed what, when, from
/// where), <c>GET …/diff?from=&amp;to=</c> (between two versions) or <c>?snapshot=</c> (from a snapshot to the live
/// group), and <c>POST …/rollback?to=</c> (an earlier version's content as a new version).
/// </summary>
public static class HistoryEndpoints
{
    private const int DefaultDiffLimit = 500;
    private const int MaxDiffLimit = 5000;

    public static void MapHistoryEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/gateway_groups/{id}").WithTags("History");
        group.MapGet("/changes", ChangesAsync);
        group.MapGet("/diff", DiffAsync);
        group.MapPost("/rollback", RollbackAsync);
    }

    private static async Task<IResult> ChangesAsync(string id, HttpRequest request, IGrainFactory grains)
    {
        var q = request.Query;
        var errors = new List<string>();
        var query = new AuditQuery(
            Since: Time(q, "since", errors),
            Until: Time(q, "until", errors),
            Kind: Choice(q, "kind", ResourceKinds.All.Select(k => k.PathName()).ToList(), errors),
            KeyName: Text(q, "key_name"),
            Operation: Choice(q, "operation", AuditOperations.All, errors),
            Id: Text(q, "resource_id"),
            Page: (int)(Number(q, "page", 1, int.MaxValue, errors) ?? 1),
            PageSize: (int)(Number(q, "page_size", 1, 500, errors) ?? 50));
        if (errors.Count > 0)
        {
            return AdminResponses.Error(400, errors[0]);
        }
        var page = await grains.GetGrain<IGatewayGroupGrain>(id).GetAudit(query);
        if (page.Total < 0)
        {
            return AdminResponses.Error(404, $"gateway group \"{id}\" not found");
        }
        return AdminResponses.Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteString("gateway_group_id", id);
            w.WriteNumber("version", page.Version);
            w.WriteNumber("history_from", page.HistoryFrom);
            w.WriteNumber("total", page.Total);
            w.WriteNumber("page", query.Page);
            w.WriteNumber("page_size", query.PageSize);
            w.WriteStartArray("list");
            foreach (var entry in page.List)
            {
                WriteEntry(w, entry);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static void WriteEntry(Utf8JsonWriter w, AuditEntry e)
    {
        w.WriteStartObject();
        w.WriteNumber("version", e.Version);
        w.WriteString("time", DateTimeOffset.FromUnixTimeMilliseconds(e.Time).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        w.WriteNumber("timestamp_ms", e.Time);
        w.WriteString("operation", e.Operation);
        if (e.Kind is not null)
        {
            w.WriteString("kind", e.Kind);
        }
        if (e.Id is not null)
        {
            w.WriteString("id", e.Id);
        }
        w.WriteString("key_name", e.KeyName);
        if (e.Client is not null)
        {
            w.WriteString("client", e.Client);
        }
        w.WriteNumber("resources", e.Resources);
        if (e.Detail is not null)
        {
            w.WriteString("detail", e.Detail);
        }
        w.WriteEndObject();
    }

    private static async Task<IResult> DiffAsync(string id, HttpRequest request, IGrainFactory grains, SnapshotWriter snapshots, CancellationToken cancellationToken)
    {
        var q = request.Query;
        var errors = new List<string>();
        var snapshot = Number(q, "snapshot", 0, long.MaxValue, errors);
        var from = Number(q, "from", 0, long.MaxValue, errors);
        var to = Number(q, "to", 0, long.MaxValue, errors);
        var limit = (int)(Number(q, "limit", 1, MaxDiffLimit, errors) ?? DefaultDiffLimit);
        if (errors.Count == 0 && snapshot is null && from is null)
        {
            errors.Add("missing query argument \"from\": give the version to compare from (?from=41&to=42), or a snapshot version (?snapshot=41)");
        }
        if (errors.Count == 0 && snapshot is not null && (from is not null || to is not null))
        {
            errors.Add("query argument \"snapshot\" compares a snapshot with the live group: give it alone, without \"from\" or \"to\"");
        }
        if (errors.Count > 0)
        {
            return AdminResponses.Error(400, errors[0]);
        }
        var grain = grains.GetGrain<IGatewayGroupGrain>(id);
        HistoryResult result;
        if (snapshot is { } version)
        {
            if (await GroupEndpoints.MissingGroupAsync(grains, id) is { } missing)
            {
                return missing;
            }
            result = await DiffWithSnapshotAsync(grain, snapshots, id, version, limit, cancellationToken);
        }
        else
        {
            result = await grain.Diff(from!.Value, to, limit);
        }
        return result.Error is not null
            ? AdminResponses.Error(result.Status, result.Error)
            : AdminResponses.Json(200, w => w.WriteRawValue(result.Json!, skipInputValidation: true));
    }

    /// <summary>From a retained snapshot's content to the live group (the Admin API's and the console's).</summary>
    internal static async Task<HistoryResult> DiffWithSnapshotAsync(IGatewayGroupGrain grain, SnapshotWriter snapshots, string id, long version, int limit, CancellationToken cancellationToken)
    {
        try
        {
            var resources = await snapshots.ReadVersionAsync(id, SnapshotLayout.Resources, version, cancellationToken);
            var config = await snapshots.ReadVersionAsync(id, SnapshotLayout.Config, version, cancellationToken);
            return resources is null || config is null
                ? new HistoryResult(404, $"snapshot version {version} of gateway group \"{id}\" is not retained in {snapshots.Store.Describe(snapshots.Layout.ResourceBucket)}")
                : await grain.DiffWithSnapshot(resources.DataJson, config.DataJson, version, limit);
        }
        catch (SnapshotRejectedException e)
        {
            return new HistoryResult(422, $"snapshot version {version} was refused: {e.Message}");
        }
        catch (SnapshotStoreException e)
        {
            return new HistoryResult(503, $"the snapshot store cannot be read ({e.Kind}): {e.Message}");
        }
    }

    private static async Task<IResult> RollbackAsync(string id, HttpRequest request, IGrainFactory grains)
    {
        var errors = new List<string>();
        var to = Number(request.Query, "to", 0, long.MaxValue, errors);
        if (errors.Count == 0 && to is null)
        {
            errors.Add("missing query argument \"to\": give the version to roll back to (?to=41)");
        }
        if (errors.Count > 0)
        {
            return AdminResponses.Error(400, errors[0]);
        }
        var (result, source) = await GroupRollback.RunAsync(grains, id, to!.Value);
        return result.Error is not null
            ? AdminResponses.Error(result.Status, result.Error)
            : AdminResponses.Json(200, w =>
            {
                w.WriteStartObject();
                w.WriteString("gateway_group_id", id);
                w.WriteNumber("rolled_back_to", to!.Value);
                w.WriteString("source", source);
                w.WriteNumber("version", result.Version);
                w.WriteEndObject();
            });
    }

    private static string? Text(IQueryCollection q, string name) => q[name].ToString() is { Length: > 0 } v ? v : null;

    private static long? Number(IQueryCollection q, string name, long min, long max, List<string> errors)
    {
        if (Text(q, name) is not { } text)
        {
            return null;
        }
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }
        errors.Add($"invalid query argument \"{name}\": expected an integer from {min} to {max}, got \"{text}\"");
        return null;
    }

    private static string? Choice(IQueryCollection q, string name, IReadOnlyList<string> allowed, List<string> errors)
    {
        var text = Text(q, name);
        if (text is not null && !allowed.Contains(text))
        {
            errors.Add($"invalid query argument \"{name}\": \"{text}\" is not one of {string.Join(", ", allowed)}");
        }
        return text;
    }

    /// <summary>A time as RFC 3339 or Unix seconds, in Unix milliseconds.</summary>
    private static long? Time(IQueryCollection q, string name, List<string> errors)
    {
        if (Text(q, name) is not { } text)
        {
            return null;
        }
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds < 100_000_000_000)
        {
            return seconds * 1000;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) && text.Contains('T'))
        {
            return time.ToUnixTimeMilliseconds();
        }
        errors.Add($"invalid query argument \"{name}\": expected an RFC 3339 time (2026-12-01T10:00:00Z) or Unix seconds, got \"{text}\"");
        return null;
    }
}
