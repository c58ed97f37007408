using System.Text.Json;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Snapshots;
using OrleansGateway.Snapshots;
using OrleansGateway.Snapshots.Stores;

namespace OrleansGateway.Silo.AdminApi;

/// <summary>
/// <c>GET|POST /api/gateway_groups/{id}/snapshots</c> (list with the snapshotter's status; take one now) and
/// <c>POST /api/gateway_groups/{id}/snapshots/{version}/restore</c>.
/// </summary>
public static class SnapshotEndpoints
{
    public static void MapSnapshotEndpoints(this IEndpointRouteBuilder app)
    {
        var snapshots = app.MapGroup("/api/gateway_groups/{id}/snapshots").WithTags("Snapshots");
        snapshots.MapGet("/", ListAsync);
        snapshots.MapPost("/", async (string id, bool? force, IGrainFactory grains) =>
        {
            if (await GroupEndpoints.MissingGroupAsync(grains, id) is { } missing)
            {
                return missing;
            }
            var status = await grains.GetGrain<ISnapshotGrain>(id).TakeNow(force ?? false);
            return AdminResponses.Json(status.LastOutcome == "failed" ? 503 : 200, w => WriteStatus(w, status));
        });
        snapshots.MapPost("/{version:long}/restore", async (string id, long version, IGrainFactory grains) =>
        {
            if (await GroupEndpoints.MissingGroupAsync(grains, id) is { } missing)
            {
                return missing;
            }
            var result = await grains.GetGrain<ISnapshotGrain>(id).Restore(version);
            return result.Error is not null
                ? AdminResponses.Error(result.Status, result.Error)
                : AdminResponses.Json(200, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("gateway_group_id", id);
                    w.WriteNumber("restored_from", version);
                    w.WriteNumber("version", result.Version);
                    w.WriteEndObject();
                });
        });
    }

    private static async Task<IResult> ListAsync(string id, IGrainFactory grains, SnapshotWriter writer, CancellationToken cancellationToken)
    {
        if (await GroupEndpoints.MissingGroupAsync(grains, id) is { } missing)
        {
            return missing;
        }
        var status = await grains.GetGrain<ISnapshotGrain>(id).GetStatus();
        IReadOnlyList<SnapshotManifest> resources, configs;
        try
        {
            resources = await writer.ListAsync(id, SnapshotLayout.Resources, cancellationToken);
            configs = await writer.ListAsync(id, SnapshotLayout.Config, cancellationToken);
        }
        catch (SnapshotStoreException e)
        {
            return AdminResponses.Error(503, $"the snapshot store cannot be read ({e.Kind}): {e.Message}");
        }
        var configByVersion = configs.ToDictionary(c => c.Version);
        return AdminResponses.Json(200, w =>
        {
            w.WriteStartObject();
            w.WritePropertyName("status");
            WriteStatus(w, status);
            w.WriteNumber("total", resources.Count);
            w.WriteStartArray("list");
            foreach (var r in resources)
            {
                w.WriteStartObject();
                w.WriteNumber("version", r.Version);
                w.WriteString("created_at", r.CreatedAt);
                WriteObject(w, "resources", r, writer.Store.Describe(writer.Layout.ResourceBucket));
                if (configByVersion.TryGetValue(r.Version, out var c))
                {
                    WriteObject(w, "config", c, writer.Store.Describe(writer.Layout.ConfigBucket));
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static void WriteObject(Utf8JsonWriter w, string name, SnapshotManifest m, string bucket)
    {
        w.WriteStartObject(name);
        w.WriteString("bucket", bucket);
        w.WriteString("object", m.Object);
        w.WriteNumber("size", m.Size);
        w.WriteString("sha256", m.Sha256);
        if (m.KeyId is not null)
        {
            w.WriteString("encryption", m.Encryption);
            w.WriteString("key_id", m.KeyId);
        }
        w.WriteEndObject();
    }

    private static void WriteStatus(Utf8JsonWriter w, SnapshotStatus s)
    {
        w.WriteStartObject();
        w.WriteString("last_outcome", s.LastOutcome);
        WriteOptional(w, "last_version", s.LastVersion);
        WriteOptional(w, "last_success_at", s.LastSuccessAt);
        if (s.LastSuccessAt is { } at)
        {
            w.WriteNumber("age_seconds", Math.Round((DateTimeOffset.UtcNow - at).TotalSeconds, 1));
        }
        WriteOptional(w, "last_failure_at", s.LastFailureAt);
        if (s.LastFailureKind is not null)
        {
            w.WriteString("last_failure_kind", s.LastFailureKind);
            w.WriteString("last_failure_message", s.LastFailureMessage);
        }
        w.WriteNumber("consecutive_failures", s.ConsecutiveFailures);
        WriteOptional(w, "next_attempt_at", s.NextAttemptAt);
        w.WriteString("resource_bucket", s.ResourceLocation);
        w.WriteString("config_bucket", s.ConfigLocation);
        w.WriteString("silo", s.Silo);
        w.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            w.WriteString(name, v);
        }
    }
}
