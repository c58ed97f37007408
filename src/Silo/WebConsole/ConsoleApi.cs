using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Components.Authorization;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.History;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Snapshots;
using OrleansGateway.Contracts.Validation;
using OrleansGateway.Silo.AdminApi;
using OrleansGateway.Silo.Dashboard;
using OrleansGateway.Snapshots;
using OrleansGateway.Snapshots.Stores;

namespace OrleansGateway.Silo.WebConsole;

/// <summary>Who uses the console: the key's name and role, the login's digest and the client's address.</summary>
public sealed record ConsoleUser(string Name, string Role, string Session, string Client)
{
    /// <summary>Admin keys write; viewer keys only read.</summary>
    public bool CanWrite => Role == "admin";
}

/// <summary>The outcome of a console write: 2xx or the Admin API's status and error text.</summary>
public sealed record ConsoleResult(int Status, string? Error, long Version = 0, string? Detail = null, string? Id = null)
{
    public bool Ok => Error is null && Status is >= 200 and < 300;
}

/// <summary>
/// What the console's pages do, on the grains as the Admin API does. Every write checks here, on the server, that the
/// login is still live and belongs to an admin key (a viewer's page shows its controls disabled, but a write it sends
/// anyway is refused here), and names the key and address for the audit log.
/// </summary>
public sealed class ConsoleApi(IGrainFactory grains, AuthenticationStateProvider authentication, DashboardSessions sessions, IServiceProvider services)
{
    private ConsoleUser? _user;

    public async Task<ConsoleUser> UserAsync()
    {
        if (_user is not null)
        {
            return _user;
        }
        var principal = (await authentication.GetAuthenticationStateAsync()).User;
        return _user = new ConsoleUser(
            principal.Identity?.Name ?? "",
            principal.FindFirstValue(ClaimTypes.Role) ?? "viewer",
            principal.FindFirstValue(ConsoleAuthentication.SessionClaim) ?? "",
            principal.FindFirstValue(ConsoleAuthentication.ClientClaim) ?? "");
    }

    /// <summary>True while the login behind this console is live (not logged out, not expired).</summary>
    public async Task<bool> SessionLiveAsync() => sessions.FindByDigest((await UserAsync()).Session) is not null;

    /// <summary>Runs a write for an admin key whose login is live, as that key; otherwise refuses it without calling anything.</summary>
    private async Task<ConsoleResult> WriteAsync(Func<Task<ConsoleResult>> write)
    {
        var user = await UserAsync();
        if (sessions.FindByDigest(user.Session) is null)
        {
            return new ConsoleResult(401, "your login has ended: log in again");
        }
        if (!user.CanWrite)
        {
            return new ConsoleResult(403, $"refused: key \"{user.Name}\" has the viewer role, which only reads");
        }
        AuditActor.Set(user.Name, user.Client);
        return await write();
    }

    private static ConsoleResult From(AdminResult r) => new(r.Status, r.Error, r.Version, Id: r.Item?.Id);

    private static ConsoleResult From(GroupResult r) => new(r.Status, r.Error, r.Group?.Version ?? 0);

    private IGatewayGroupGrain Group(string id) => grains.GetGrain<IGatewayGroupGrain>(id);

    // Gateway groups

    public Task<IReadOnlyList<GroupInfo>> GroupsAsync() => grains.GetGrain<IGatewayGroupDirectoryGrain>(0).List();

    public Task<GroupResult> GroupAsync(string group) => Group(group).GetInfo();

    public Task<ConsoleResult> CreateGroupAsync(string id, string? name, string? description) => WriteAsync(async () =>
    {
        var body = new JsonObject { ["id"] = id };
        if (!string.IsNullOrWhiteSpace(name))
        {
            body["name"] = name;
        }
        if (!string.IsNullOrWhiteSpace(description))
        {
            body["description"] = description;
        }
        if (GroupEndpoints.CreateSchema.Check(body) is { } error)
        {
            return new ConsoleResult(400, $"invalid configuration: {error}");
        }
        return From(await Group(id).Create(body["name"]?.GetValue<string>(), body["description"]?.GetValue<string>()));
    });

    public Task<ConsoleResult> DeleteGroupAsync(string id) => WriteAsync(async () => From(await Group(id).DeleteGroup()));

    /// <summary>The instance configuration as the caller may read it (the keyring only for admin keys).</summary>
    public async Task<(GroupResult Result, string Json)> ConfigAsync(string group)
    {
        if (!await SessionLiveAsync())
        {
            return (new GroupResult(401, "your login has ended: log in again", null), "{}");
        }
        var result = await Group(group).GetConfig();
        return (result, Pretty(GroupEndpoints.ForRole(result.ConfigJson ?? "{}", (await UserAsync()).Role)));
    }

    public Task<ConsoleResult> PutConfigAsync(string group, string json) => WriteAsync(async () => From(await Group(group).PutConfig(json)));

    // Resources

    public Task<ResourcePage> ListAsync(string group, ResourceKind kind, ListQuery query) => Group(group).List(kind, query);

    /// <summary>One resource's value as the editor shows it: private keys left out (they are never read back).</summary>
    public async Task<(AdminResult Result, string? Json)> GetAsync(string group, ResourceKind kind, string id)
    {
        if (!await SessionLiveAsync())
        {
            return (AdminResult.Fail(401, "your login has ended: log in again"), null);
        }
        var result = await Group(group).Get(kind, id);
        return (result, result.Item is null ? null : Pretty(WithoutPrivateKeys(result.Item)));
    }

    public static string WithoutPrivateKeys(StoredResource item)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            PrivateKeys.WriteWithout(writer, item);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// Creates (no id: the group makes one) or replaces a resource from the editor's JSON, only if nobody changed it
    /// since the editor loaded it (<paramref name="loadedIndex"/>: its modifiedIndex then; a create, only if the id is
    /// free). An ssl or upstream saved without a private key keeps the one it has: the editor never holds it.
    /// </summary>
    public Task<ConsoleResult> SaveAsync(string group, ResourceKind kind, string? id, string json, long loadedIndex = 0) => WriteAsync(async () =>
    {
        if (JsonNode.Parse(json) is not JsonObject value)
        {
            return new ConsoleResult(400, "invalid request body: the editor must hold a JSON object");
        }
        value.Remove("create_time");
        value.Remove("update_time");
        if (id is null)
        {
            var idField = kind.IdField();
            var named = value[idField]?.ToString();
            if (kind == ResourceKind.Consumer || kind == ResourceKind.PluginMetadata || !string.IsNullOrEmpty(named))
            {
                if (string.IsNullOrEmpty(named))
                {
                    return new ConsoleResult(400, $"invalid configuration: property \"{idField}\" is required");
                }
                var created = await Group(group).Put(kind, named, value.ToJsonString(), ifMatch: 0);
                return created.Status == 409
                    ? new ConsoleResult(409, $"{kind.Singular()} \"{named}\" exists already: open it to edit it")
                    : From(created);
            }
            return From(await Group(group).Post(kind, value.ToJsonString()));
        }
        if (kind is ResourceKind.Ssl or ResourceKind.Upstream or ResourceKind.Route or ResourceKind.Service)
        {
            KeepPrivateKeys(kind, value, (await Group(group).Get(kind, id)).Item);
        }
        var saved = await Group(group).Put(kind, id, value.ToJsonString(), ifMatch: loadedIndex);
        return saved.Status == 409
            ? new ConsoleResult(409, $"not saved: this {kind.Singular()} was changed by someone else since you opened it ({saved.Error}); load it again and redo your change")
            : From(saved);
    });

    private static void KeepPrivateKeys(ResourceKind kind, JsonObject value, StoredResource? stored)
    {
        if (stored is null || JsonNode.Parse(stored.Json) is not JsonObject old)
        {
            return;
        }
        if (kind == ResourceKind.Ssl)
        {
            if (!value.ContainsKey("key") && old["key"] is { } key)
            {
                value["key"] = key.DeepClone();
            }
            if (!value.ContainsKey("keys") && old["keys"] is { } keys)
            {
                value["keys"] = keys.DeepClone();
            }
            return;
        }
        var tlsNew = kind == ResourceKind.Upstream ? value["tls"] : value["upstream"]?["tls"];
        var tlsOld = kind == ResourceKind.Upstream ? old["tls"] : old["upstream"]?["tls"];
        if (tlsNew is JsonObject n && tlsOld is JsonObject o && !n.ContainsKey("client_key") && o["client_key"] is { } clientKey && n.ContainsKey("client_cert"))
        {
            n["client_key"] = clientKey.DeepClone();
        }
    }

    public Task<IReadOnlyList<ResourceKey>> ReferencedByAsync(string group, ResourceKind kind, string id) => Group(group).ReferencedBy(kind, id, 20);

    public Task<ConsoleResult> DeleteAsync(string group, ResourceKind kind, string id) => WriteAsync(async () => From(await Group(group).Delete(kind, id)));

    // Data planes and snapshots

    public Task<IReadOnlyList<DataPlaneInstance>> DataPlanesAsync(string group) => grains.GetGrain<IDataPlaneRegistryGrain>(group).List();

    public Task<SnapshotStatus> SnapshotStatusAsync(string group) => grains.GetGrain<ISnapshotGrain>(group).GetStatus();

    private SnapshotWriter Snapshots => services.GetRequiredService<SnapshotWriter>();

    /// <summary>The retained snapshots of one bucket (<see cref="SnapshotLayout.Resources"/> or <see cref="SnapshotLayout.Config"/>), newest first.</summary>
    public async Task<(IReadOnlyList<SnapshotManifest> List, string Bucket, string? Error)> SnapshotsAsync(string group, string content)
    {
        var bucket = Snapshots.Store.Describe(content == SnapshotLayout.Resources ? Snapshots.Layout.ResourceBucket : Snapshots.Layout.ConfigBucket);
        try
        {
            var list = await Snapshots.ListAsync(group, content, CancellationToken.None);
            return (list.OrderByDescending(m => m.Version).ToList(), bucket, null);
        }
        catch (SnapshotStoreException e)
        {
            return ([], bucket, $"the snapshot store cannot be read ({e.Kind}): {e.Message}");
        }
    }

    /// <summary>Reads a snapshot version back whole and checks it (hash, format, key): null when sound, else why not.</summary>
    public async Task<string?> VerifyAsync(string group, long version)
    {
        try
        {
            foreach (var content in new[] { SnapshotLayout.Resources, SnapshotLayout.Config })
            {
                if (await Snapshots.ReadVersionAsync(group, content, version, CancellationToken.None) is null)
                {
                    return $"the {content} object of version {version} is not retained";
                }
            }
            return null;
        }
        catch (SnapshotRejectedException e)
        {
            return $"refused: {e.Message}";
        }
        catch (SnapshotStoreException e)
        {
            return $"the snapshot store cannot be read ({e.Kind}): {e.Message}";
        }
    }

    public Task<ConsoleResult> TakeSnapshotAsync(string group) => WriteAsync(async () =>
    {
        var status = await grains.GetGrain<ISnapshotGrain>(group).TakeNow(force: true);
        return status.LastOutcome == "failed" ? new ConsoleResult(503, status.LastFailureMessage) : new ConsoleResult(200, null, status.LastVersion ?? 0);
    });

    public Task<ConsoleResult> RestoreAsync(string group, long version) => WriteAsync(async () => From(await grains.GetGrain<ISnapshotGrain>(group).Restore(version)));

    // Audit log, diffs, rollback

    public Task<AuditPage> AuditAsync(string group, AuditQuery query) => Group(group).GetAudit(query);

    public Task<HistoryResult> DiffAsync(string group, long from, long? to) => Group(group).Diff(from, to, 500);

    /// <summary>From a retained snapshot's content to the live group.</summary>
    public Task<HistoryResult> DiffWithSnapshotAsync(string group, long version) =>
        HistoryEndpoints.DiffWithSnapshotAsync(Group(group), Snapshots, group, version, 500, CancellationToken.None);

    public Task<ConsoleResult> RollbackAsync(string group, long to) => WriteAsync(async () =>
    {
        var (result, source) = await GroupRollback.RunAsync(grains, group, to);
        return From(result) with { Detail = source };
    });

    public static string Pretty(string json)
    {
        try
        {
            return JsonNode.Parse(json)?.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) ?? json;
        }
        catch (JsonException)
        {
            return json;
        }
    }
}
