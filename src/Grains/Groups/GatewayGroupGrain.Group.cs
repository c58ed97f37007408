using System.Diagnostics;
using Microsoft.Extensions.Logging;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.History;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Security;
using OrleansGateway.Contracts.Validation;
using OrleansGateway.Grains.Storage;

namespace OrleansGateway.Grains.Groups;

/// <summary>Whole-group operations: export, change feed, bulk replace and instance configuration.</summary>
public sealed partial class GatewayGroupGrain
{
    private static readonly ObjectSchema InstanceConfigSchema = new(
        ("data_encryption", new ObjectSchema(
            ("enable_encrypt_fields", S.Bool()),
            // Keys of at least 16 characters (APISIX's 16 and 32 included); the first encrypts, every one decrypts.
            ("keyring", S.Arr(S.Str(16, 256), min: 1, unique: true)))),
        ("keyring", new ObjectSchema { AllowUnknown = true }), // accepted from earlier versions; the keyring is data_encryption's
        ("discovery", new ObjectSchema { AllowUnknown = true }));

    public Task<GroupExport> Export() =>
        Task.FromResult(new GroupExport(GroupId, _group?.Version ?? 0, _resources.All().ToList(), _group?.ConfigJson ?? "{}"));

    public Task<ChangeSet> GetChangesSince(long version)
    {
        var current = _group?.Version ?? 0;
        var changed = _group is null ? null : _changes.Since(version, current);
        if (changed is null)
        {
            return Task.FromResult(new ChangeSet(GroupId, version, current, true, [], [], false));
        }
        var upserted = new List<StoredResource>();
        var deleted = new List<ResourceKey>();
        foreach (var key in changed.Keys)
        {
            if (_resources.Get(key.Kind, key.Id) is { } item)
            {
                upserted.Add(item);
            }
            else
            {
                deleted.Add(key);
            }
        }
        return Task.FromResult(new ChangeSet(GroupId, version, current, false, upserted, deleted, changed.ConfigChanged));
    }

    public Task<AdminResult> ReplaceAll(string body) => ReplaceAll(body, force: false);

    public Task<AdminResult> ReplaceAll(string body, bool force) =>
        TracedAsync("replace", null, null, () => ExclusiveAsync(() =>
            ReplaceAsync(body, configJson: null, new Replacement(AuditOperations.Import, null, AllowDangling: force, CheckConfVersion: true))));

    // A snapshot holds what the group held, references left dangling by a forced delete included.
    public Task<AdminResult> Restore(string resourcesJson, string configJson, long fromSnapshotVersion)
    {
        var operation = AuditActor.RestoreOperation();
        return TracedAsync("restore", null, null, () => ExclusiveAsync(() =>
        {
            if (operation != AuditOperations.Rollback || _group is null)
            {
                return ReplaceAsync(resourcesJson, configJson,
                    new Replacement(operation, $"from snapshot version {fromSnapshotVersion}", AllowDangling: true, CheckConfVersion: false));
            }
            // A rollback keeps the current keyring (a retired key never comes back): the snapshot's secrets are opened
            // with its own keyring and sealed with the current one.
            var openWith = FieldCipher.Combined(new[] { FieldCipher.FromConfig(configJson), Cipher }.OfType<FieldCipher>().ToList());
            return ReplaceAsync(resourcesJson, WithEncryptionOf(configJson, _group.ConfigJson),
                new Replacement(operation, $"from snapshot version {fromSnapshotVersion}", AllowDangling: true, CheckConfVersion: false, OpenWith: openWith));
        }));
    }

    /// <summary>
    /// How a whole-group replacement is recorded (<see cref="Operation"/>, <see cref="Detail"/>) and checked: dangling
    /// references allowed (a restored state holds those a forced delete left), a bulk import's conf_version checked;
    /// <see cref="OpenWith"/> opens its sealed secrets when the keyring it names cannot (a rollback's, sealed with keys
    /// since retired).
    /// </summary>
    private sealed record Replacement(string Operation, string? Detail, bool AllowDangling, bool CheckConfVersion, FieldCipher? OpenWith = null);

    /// <summary>
    /// Replaces every resource (and, for a restore, the instance configuration) in one new version. A bulk import's
    /// <c>&lt;kind&gt;_conf_version</c> lower than the group's version is refused as stale; a restore ignores it.
    /// </summary>
    private async Task<AdminResult> ReplaceAsync(string body, string? configJson, Replacement how)
    {
        if (_group is null)
        {
            return GroupMissingResult();
        }
        var json = ResourceValidator.ParseObject(body, out var parseError);
        if (json is null)
        {
            return AdminResult.Fail(400, parseError!, _group.Version);
        }
        if (configJson is not null)
        {
            if (CheckConfig(configJson, out configJson) is { } configError)
            {
                return AdminResult.Fail(400, configError, _group.Version);
            }
            configJson = KeepKeyring(configJson, _group.ConfigJson);
        }
        // Secrets are validated in clear: encrypted ones are opened with the keyring they were sealed with (a
        // restore's own, else this group's), and sealed again with the group's keyring as they are stored.
        var cipher = configJson is null ? Cipher : FieldCipher.FromConfig(configJson);
        if (OpenSecrets(json, how.OpenWith ?? cipher) is { } secretError)
        {
            return AdminResult.Fail(400, secretError, _group.Version);
        }
        var set = BulkConfig.Read(json, how.AllowDangling, out var error);
        if (set is null)
        {
            return AdminResult.Fail(400, error!, _group.Version);
        }
        if (how.CheckConfVersion && set.HighestConfVersion is { } conf && conf < _group.Version)
        {
            return AdminResult.Fail(409, $"stale configuration: conf_version {conf} is lower than the group's version {_group.Version}", _group.Version);
        }
        var previous = _group.Version;
        var version = previous + 1;
        var now = Now;
        var unchanged = UnchangedByReplace(set.Items, cipher);
        var stored = set.Items.Select(item => ToStored(item, version, now, cipher)).ToList();
        var history = HistoryOfReplace(stored, unchanged, version, configJson);
        var audit = NewAudit(version, how.Operation, null, null, history.Count(h => h.Kind is not null), how.Detail);
        var (outcome, _) = await CommitAsync(stored, [], [new ChangeRecord(version, ChangeKind.Reset, ResourceKind.Route, "*")], audit, history,
            replaceAll: true, configJson: configJson);
        if (outcome != CommitOutcome.Committed)
        {
            return Failure(outcome);
        }
        _resources.Clear();
        foreach (var (resource, item) in stored.Zip(set.Items))
        {
            _resources.Upsert(resource, item.References, item.Credentials);
        }
        if (how.Operation == AuditOperations.Import)
        {
            logger.LogInformation("Replaced gateway group {Group} with {Count} resources at version {Version}", GroupId, stored.Count, version);
        }
        else
        {
            logger.LogWarning("Gateway group {Group}: {Operation} {Detail}: {Count} resources, now at version {Version}", GroupId, how.Operation, how.Detail, stored.Count, version);
        }
        Publish(version, previous, reset: true, Activity.Current?.Context ?? default, delta: null);
        HeapTrim.After(stored.Count, "a " + how.Operation, logger);
        return new AdminResult(200, null, null, version);
    }

    /// <summary>Validates an instance configuration; null when valid, with its compact form.</summary>
    private static string? CheckConfig(string body, out string normalized)
    {
        normalized = body;
        var json = ResourceValidator.ParseObject(body, out var parseError);
        if (json is null)
        {
            return parseError;
        }
        if (InstanceConfigSchema.Check(json) is { } error)
        {
            return $"invalid configuration: {error}";
        }
        normalized = json.ToJsonString();
        return null;
    }

    /// <summary>Opens the encrypted secrets of every item of a standalone set in place; null, or why one does not open.</summary>
    private static string? OpenSecrets(JsonObject set, FieldCipher? cipher)
    {
        foreach (var kind in ResourceKinds.All)
        {
            foreach (var item in (set[kind.PathName()] as JsonArray ?? []).OfType<JsonObject>())
            {
                var id = item[kind.IdField()] is JsonValue v ? v.ToString() : "?";
                if (SecretValues.Decrypt(kind, id, item, cipher) is { } error)
                {
                    return error;
                }
            }
        }
        return null;
    }

    private StoredResource ToStored(BulkConfig.Item item, long version, long now, FieldCipher? cipher)
    {
        SecretValues.Encrypt(item.Kind, item.Value, cipher);
        var existing = _resources.Get(item.Kind, item.Id);
        item.Value["create_time"] = existing is null ? now : CreateTimeOf(existing) ?? now;
        item.Value["update_time"] = now;
        return new StoredResource(item.Kind, item.Id, item.Value.ToJsonString(), existing?.CreatedIndex ?? version, version);
    }

    public Task<GroupResult> GetConfig() =>
        Task.FromResult(_group is null ? GroupMissing() : new GroupResult(200, null, Info(_group), _group.ConfigJson));

    public Task<GroupResult> PutConfig(string body) =>
        TracedAsync("config", null, null, () => ExclusiveAsync(() => PutConfigCoreAsync(body)), r => (r.Status, r.Group?.Version ?? 0));

    private async Task<GroupResult> PutConfigCoreAsync(string body)
    {
        if (_group is null)
        {
            return GroupMissing();
        }
        if (CheckConfig(body, out var text) is { } error)
        {
            return new GroupResult(400, error, Info(_group));
        }
        text = KeepKeyring(text, _group.ConfigJson);
        var result = await CommitConfigAsync(text);
        return result.Error is not null
            ? new GroupResult(result.Status, result.Error, _group is null ? null : Info(_group))
            : new GroupResult(200, null, Info(_group), text);
    }
}
