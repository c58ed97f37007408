using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.History;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Security;
using OrleansGateway.Contracts.Validation;
using OrleansGateway.Grains.Storage;

namespace OrleansGateway.Grains.Groups;

/// <summary>Single-resource reads and writes of the Admin API.</summary>
public sealed partial class GatewayGroupGrain
{
    public Task<AdminResult> Put(ResourceKind kind, string id, string body, long? ifMatch = null) =>
        TracedAsync("put", kind, id, () => PutCoreAsync(kind, id, body, ifMatch, idFromBody: false));

    public Task<AdminResult> PutWithBodyId(ResourceKind kind, string id, string body) =>
        TracedAsync("put", kind, id, () => PutCoreAsync(kind, id, body, null, idFromBody: true));

    private async Task<AdminResult> PutCoreAsync(ResourceKind kind, string id, string body, long? ifMatch, bool idFromBody)
    {
        await WaitForBarrierAsync();
        if (_group is null)
        {
            return GroupMissingResult();
        }
        var value = ResourceValidator.ParseObject(body, out var parseError);
        if (value is null)
        {
            return AdminResult.Fail(400, parseError!);
        }
        return ResourceValidator.ForbiddenTimes(value) is { } forbidden
            ? AdminResult.Fail(400, forbidden)
            : await WriteAsync(kind, id, value, ifMatch, idFromBody: idFromBody);
    }

    public Task<AdminResult> Post(ResourceKind kind, string body) => TracedAsync("post", kind, null, async () =>
    {
        await WaitForBarrierAsync();
        return await PostCoreAsync(kind, body);
    });

    private Task<AdminResult> PostCoreAsync(ResourceKind kind, string body)
    {
        if (_group is null)
        {
            return Task.FromResult(GroupMissingResult());
        }
        if (ResourceKinds.Unsupported(kind, "POST") is { } unsupported)
        {
            return Task.FromResult(AdminResult.Fail(405, unsupported));
        }
        var value = ResourceValidator.ParseObject(body, out var parseError);
        if (value is null)
        {
            return Task.FromResult(AdminResult.Fail(400, parseError!));
        }
        if (ResourceValidator.ForbiddenTimes(value) is { } forbidden)
        {
            return Task.FromResult(AdminResult.Fail(400, forbidden));
        }
        if (value.ContainsKey("id"))
        {
            return Task.FromResult(AdminResult.Fail(400, AdminErrors.Described($"wrong {kind.Singular()} id, do not need it",
                "POST generates the id; use PUT /apisix/admin/" + kind.PathName() + "/{id} to choose one")));
        }
        return WriteAsync(kind, NewId(kind), value, ifMatch: null);
    }

    public Task<AdminResult> Patch(ResourceKind kind, string id, string body, long? ifMatch = null) => TracedAsync("patch", kind, id, async () =>
    {
        await WaitForBarrierAsync();
        var keepUpdateTime = false;
        return await PatchWithAsync(kind, id, ifMatch, current =>
        {
            var patch = ResourceValidator.ParseObject(body, out var parseError);
            if (patch is null)
            {
                return parseError;
            }
            JsonMergePatch.Apply(current, patch);
            // As APISIX: a PATCH body may set create_time, and update_time (else it is now).
            keepUpdateTime = patch.ContainsKey("update_time");
            return null;
        }, () => keepUpdateTime);
    });

    public Task<AdminResult> PatchPath(ResourceKind kind, string id, string subPath, string body, long? ifMatch = null) =>
        TracedAsync("patch", kind, id, async () =>
        {
            await WaitForBarrierAsync();
            return await PatchWithAsync(kind, id, ifMatch, current =>
            {
                JsonNode? value;
                try
                {
                    value = JsonNode.Parse(body);
                }
                catch (System.Text.Json.JsonException e)
                {
                    return $"invalid request body: {e.Message}";
                }
                return JsonSubPath.Set(current, subPath, value);
            }, () => false);
        });

    /// <summary>A PATCH: the stored value changed by <paramref name="change"/> (null, or its 400 error), then written and validated whole.</summary>
    private Task<AdminResult> PatchWithAsync(ResourceKind kind, string id, long? ifMatch, Func<JsonObject, string?> change, Func<bool> keepUpdateTime)
    {
        if (_group is null)
        {
            return Task.FromResult(GroupMissingResult());
        }
        if (ResourceKinds.Unsupported(kind, "PATCH") is { } unsupported)
        {
            return Task.FromResult(AdminResult.Fail(405, unsupported));
        }
        var existing = _resources.Get(kind, id);
        if (existing is null)
        {
            return Task.FromResult(AdminResult.Fail(404, $"{kind.Key(id)} not found"));
        }
        var current = JsonNode.Parse(existing.Json)!.AsObject();
        return change(current) is { } error
            ? Task.FromResult(AdminResult.Fail(400, error))
            : WriteAsync(kind, id, current, ifMatch, new PatchedTimes(current["create_time"], keepUpdateTime() ? current["update_time"] : null));
    }

    public Task<AdminResult> Delete(ResourceKind kind, string id, long? ifMatch = null) => Delete(kind, id, ifMatch, force: false);

    public Task<AdminResult> Delete(ResourceKind kind, string id, long? ifMatch, bool force) =>
        TracedAsync("delete", kind, id, () => DeleteCoreAsync(kind, id, ifMatch, force));

    private async Task<AdminResult> DeleteCoreAsync(ResourceKind kind, string id, long? ifMatch, bool force)
    {
        await WaitForBarrierAsync();
        if (_group is null)
        {
            return GroupMissingResult();
        }
        var existing = _resources.Get(kind, id);
        if (existing is null)
        {
            return AdminResult.Fail(404, $"{kind.Key(id)} not found", _assigned);
        }
        if (ifMatch is { } expected && expected != existing.ModifiedIndex)
        {
            return AdminResult.Fail(409, $"{kind.Key(id)} is at modifiedIndex {existing.ModifiedIndex}, not {expected}", _assigned);
        }
        var key = new ResourceKey(kind, id);
        var users = force ? [] : _resources.ReferencedBy(key);
        if (users.Count > 0)
        {
            var user = users[0];
            // APISIX words it "this service directly" for a service, "this upstream" for an upstream.
            var what = kind == ResourceKind.Service ? "service directly" : kind.Singular();
            return AdminResult.Fail(400, $"can not delete this {what}, {user.Kind.Singular()} [{user.Id}] is still using it now", _assigned);
        }
        var version = ++_assigned;
        _resources.Remove(key);
        var outcome = await Enqueue(version, key, upsert: null, AuditOperations.Delete, existing.Json);
        return outcome == CommitOutcome.Committed ? AdminResult.Ok(existing with { ModifiedIndex = version }, version) : Failure(outcome);
    }

    public Task<IReadOnlyList<ResourceKey>> ReferencedBy(ResourceKind kind, string id, int max) =>
        Task.FromResult(_resources.ReferencedBy(new ResourceKey(kind, id), Math.Clamp(max, 1, 1000)));

    public Task<AdminResult> Get(ResourceKind kind, string id)
    {
        if (_group is null)
        {
            return Task.FromResult(GroupMissingResult());
        }
        var item = _resources.Get(kind, id);
        return Task.FromResult(item is null
            ? AdminResult.Fail(404, $"{kind.Key(id)} not found", _group.Version)
            : AdminResult.Ok(Readable(item), _group.Version));
    }

    public Task<ResourcePage> List(ResourceKind kind, ListQuery query)
    {
        if (_group is null)
        {
            return Task.FromResult(new ResourcePage(-1, [], 0));
        }
        IEnumerable<StoredResource> items = _resources.OfKind(kind);
        if (query.Name is not null || query.Label is not null || query.Uri is not null || query.Filter is not null)
        {
            items = items.Where(r => ListFilter.Matches(r, query));
        }
        // As APISIX: the store's key order (ids as strings), and creation order when paging.
        var paging = query.Page > 0 && query.PageSize > 0;
        var sorted = (paging ? items.OrderBy(r => r.CreatedIndex).ThenBy(r => r.Id, StringComparer.Ordinal) : items.OrderBy(r => r.Id, StringComparer.Ordinal)).ToList();
        IReadOnlyList<StoredResource> page = sorted;
        if (paging)
        {
            page = sorted.Skip((int)Math.Min(int.MaxValue, (query.Page - 1L) * query.PageSize)).Take(query.PageSize).ToList();
        }
        return Task.FromResult(new ResourcePage(sorted.Count, page.Select(Readable).ToList(), _group.Version));
    }

    /// <summary>The times a PATCH keeps (its merged <c>create_time</c>; its own <c>update_time</c>, when it gave one).</summary>
    private sealed record PatchedTimes(JsonNode? CreateTime, JsonNode? UpdateTime);

    private async Task<AdminResult> WriteAsync(ResourceKind kind, string id, JsonObject value, long? ifMatch, PatchedTimes? patched = null, bool idFromBody = false)
    {
        var group = _group!;
        var createTime = patched?.CreateTime?.DeepClone();
        var updateTime = patched?.UpdateTime?.DeepClone();
        value.Remove("create_time");
        value.Remove("update_time");
        foreach (var (name, time) in new[] { ("create_time", createTime), ("update_time", updateTime) })
        {
            if (time is not null && TimeSchema.Check(time) is { } timeError)
            {
                return AdminResult.Fail(400, $"invalid configuration: property \"{name}\" validation failed: {timeError}", group.Version);
            }
        }
        // Secrets are checked in clear: an encrypted one (read back from this group, or a PATCH's stored value) is opened.
        if (SecretValues.Decrypt(kind, id, value, Cipher) is { } decryptError)
        {
            return AdminResult.Fail(400, decryptError, group.Version);
        }
        if (ResourceValidator.Validate(kind, id, value, keepIdType: idFromBody) is { } error)
        {
            return AdminResult.Fail(400, error, group.Version);
        }
        var references = ResourceValidator.References(kind, value);
        foreach (var target in references)
        {
            if (_resources.Get(target.Kind, target.Id) is not { } referenced)
            {
                return AdminResult.Fail(400, $"failed to fetch {target.Kind.Singular()} info by {target.Kind.Singular()} id [{target.Id}], response code: 404", _assigned);
            }
            if (ResourceValidator.ReferenceError(target, referenced.Json) is { } referenceError)
            {
                return AdminResult.Fail(400, referenceError, _assigned);
            }
        }
        var credentials = ResourceValidator.UniqueCredentials(kind, value);
        foreach (var credential in credentials)
        {
            if (_resources.CredentialOwner(credential, except: id) is { } owner)
            {
                var plugin = credential[..credential.IndexOf(':')];
                return AdminResult.Fail(400, $"duplicate {ResourceValidator.CredentialFieldOf(credential)} of plugin {plugin} found with consumer: {owner}", group.Version);
            }
        }
        var existing = _resources.Get(kind, id);
        if (ifMatch is { } expected && expected != (existing?.ModifiedIndex ?? 0))
        {
            return AdminResult.Fail(409, $"{kind.Key(id)} is at modifiedIndex {existing?.ModifiedIndex ?? 0}, not {expected}", group.Version);
        }
        var version = ++_assigned;
        var now = Now;
        SecretValues.Encrypt(kind, value, Cipher);
        value["create_time"] = createTime ?? (existing is null ? now : CreateTimeOf(existing) ?? now);
        value["update_time"] = updateTime ?? now;
        var stored = new StoredResource(kind, id, value.ToJsonString(), existing?.CreatedIndex ?? version, version);
        _resources.Upsert(stored, references, credentials);
        var operation = patched is not null ? AuditOperations.Patch : existing is null ? AuditOperations.Create : AuditOperations.Update;
        var outcome = await Enqueue(version, new ResourceKey(kind, id), stored, operation, existing?.Json);
        return outcome == CommitOutcome.Committed ? AdminResult.Ok(stored, version, created: existing is null) : Failure(outcome);
    }

    private static readonly Schema TimeSchema = S.Int();

    /// <summary>A resource as a GET answers it: plugin secrets opened, as APISIX's Admin API reads them back.</summary>
    private StoredResource Readable(StoredResource item)
    {
        var json = SecretValues.ReadableJson(item.Kind, item.Json, Cipher);
        return ReferenceEquals(json, item.Json) ? item : item with { Json = json };
    }

    private static long? CreateTimeOf(StoredResource resource) =>
        JsonNode.Parse(resource.Json)?["create_time"]?.GetValue<long>();

    private string NewId(ResourceKind kind)
    {
        // Time-ordered numeric ids like APISIX's, unique within the group.
        var candidate = timeProvider.GetUtcNow().ToUnixTimeMilliseconds() * 1000 + Random.Shared.Next(1000);
        while (_resources.Get(kind, candidate.ToString(System.Globalization.CultureInfo.InvariantCulture)) is not null)
        {
            candidate++;
        }
        return candidate.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
