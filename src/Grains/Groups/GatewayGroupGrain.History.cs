using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.History;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Security;
using OrleansGateway.Contracts.Validation;
using OrleansGateway.Grains.History;
using OrleansGateway.Grains.Storage;

namespace OrleansGateway.Grains.Groups;

/// <summary>
/// The audit log and history: every commit records who made each version (<see cref="AuditActor"/>) and what each
/// resource held before and after it, in the same transaction. From those, a diff between any two retained versions
/// costs the resources changed between them (not the group's size), and a rollback rebuilds an earlier version's
/// content from the current one. Retention: <see cref="GatewayGroupOptions.HistoryMaxVersions"/> on commits, and
/// <see cref="GatewayGroupOptions.HistoryMaxAge"/> on a timer as well (an idle group's history ages out too).
/// </summary>
public sealed partial class GatewayGroupGrain
{
    /// <summary>How often entries past the age limit are dropped.</summary>
    private static readonly TimeSpan HistoryPruneEvery = TimeSpan.FromMinutes(10);

    private IGrainTimer? _historyTimer;
    private Task _historyPruning = Task.CompletedTask;

    private AuditEntry NewAudit(long version, string operation, ResourceKind? kind, string? id, int resources, string? detail = null)
    {
        var (keyName, client) = AuditActor.Current();
        return new AuditEntry(version, timeProvider.GetUtcNow().ToUnixTimeMilliseconds(), operation, kind?.PathName(), id, keyName, client, resources, detail);
    }

    /// <summary>
    /// After a commit from <paramref name="from"/> to <paramref name="to"/>: every 100th version drops, in the
    /// background, the audit entries and history past the retained count (a commit never waits for it).
    /// </summary>
    private void PruneHistoryAfter(long from, long to)
    {
        if (to / 100 > from / 100 && to >= options.Value.HistoryMaxVersions && _historyPruning.IsCompleted)
        {
            _historyPruning = PruneHistoryAsync(byAge: false, CancellationToken.None);
        }
    }

    /// <summary>Arms the age limit's timer while the group exists.</summary>
    private void ArmHistoryPruning()
    {
        if (_group is null || options.Value.HistoryMaxAge <= TimeSpan.Zero || _historyTimer is not null)
        {
            return;
        }
        _historyTimer = this.RegisterGrainTimer(PruneAgedHistoryAsync, new GrainTimerCreationOptions(TimeSpan.FromSeconds(5), HistoryPruneEvery) { Interleave = true });
    }

    private Task PruneAgedHistoryAsync(CancellationToken cancellationToken)
    {
        if (_historyPruning.IsCompleted)
        {
            _historyPruning = PruneHistoryAsync(byAge: true, cancellationToken);
        }
        return _historyPruning;
    }

    private async Task PruneHistoryAsync(bool byAge, CancellationToken cancellationToken)
    {
        if (_group is null)
        {
            return;
        }
        var cutoff = timeProvider.GetUtcNow() - options.Value.HistoryMaxAge;
        try
        {
            var removed = await store.PruneHistoryAsync(GroupId, Math.Max(0, _group.Version - options.Value.HistoryMaxVersions + 1),
                byAge && options.Value.HistoryMaxAge > TimeSpan.Zero ? cutoff.ToUnixTimeMilliseconds() : 0, cancellationToken);
            if (removed > 0)
            {
                logger.LogInformation("Gateway group {Group}: dropped {Count} audit entries and their history, past the retention ({Max} versions, {Days} days)",
                    GroupId, removed, options.Value.HistoryMaxVersions, options.Value.HistoryMaxAge.TotalDays);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning(e, "Gateway group {Group}: could not drop audit entries past the retention; trying again in {Period}", GroupId, HistoryPruneEvery);
        }
    }

    /// <summary>The oldest version whose content the retained history can rebuild (the current one when it holds none).</summary>
    private static long HistoryFrom(HistoryCoverage coverage, long current) =>
        coverage.Oldest is { } oldest ? Math.Max(0, oldest - 1) : current;

    public async Task<AuditPage> GetAudit(AuditQuery query)
    {
        if (_group is null)
        {
            return new AuditPage(-1, [], 0, 0);
        }
        var version = _group.Version;
        var (total, list) = await store.LoadAuditAsync(GroupId, query, CancellationToken.None);
        var coverage = await store.LoadCoverageAsync(GroupId, version, version, CancellationToken.None);
        return new AuditPage(total, list, version, HistoryFrom(coverage, version));
    }

    /// <summary>
    /// Why the history cannot answer for the versions after <paramref name="from"/> up to <paramref name="to"/>, or
    /// null when it holds every one of them.
    /// </summary>
    private async Task<string?> HistoryGapAsync(long from, long to)
    {
        var coverage = await store.LoadCoverageAsync(GroupId, from, to, CancellationToken.None);
        var reach = HistoryFrom(coverage, _group!.Version);
        if (from < reach)
        {
            return $"version {from} of gateway group \"{GroupId}\" is older than its retained history, which reaches back to version {reach} " +
                $"(deployment.admin.audit keeps {options.Value.HistoryMaxVersions} versions{AgeText()})";
        }
        if (coverage.Audited < to - from)
        {
            return $"the history of gateway group \"{GroupId}\" lacks {to - from - coverage.Audited} of the versions after {from} up to {to} " +
                "(written by a control plane that kept no history)";
        }
        return null;
    }

    private string AgeText() =>
        options.Value.HistoryMaxAge > TimeSpan.Zero ? $" and {options.Value.HistoryMaxAge.TotalDays:0.##} days" : "";

    public async Task<HistoryResult> Diff(long from, long? to, int limit)
    {
        if (_group is null)
        {
            return new HistoryResult(404, $"gateway group \"{GroupId}\" not found");
        }
        var current = _group.Version;
        var target = to ?? current;
        foreach (var (name, value) in new[] { ("from", from), ("to", target) })
        {
            if (value < 0 || value > current)
            {
                return new HistoryResult(400, $"invalid query argument \"{name}\": version {value} does not exist, the group is at version {current}");
            }
        }
        var (low, high) = from <= target ? (from, target) : (target, from);
        if (await HistoryGapAsync(low, high) is { } gap)
        {
            return new HistoryResult(410, gap + "; compare with a snapshot instead (?snapshot=<version>)");
        }
        var net = await store.LoadNetChangesAsync(GroupId, low, high, CancellationToken.None);
        // A prune may have run between the two reads (it drops audit entries first, then history): checked again, so
        // that a half-pruned range never passes for a whole one.
        if (await HistoryGapAsync(low, high) is { } pruned)
        {
            return new HistoryResult(410, pruned + "; compare with a snapshot instead (?snapshot=<version>)");
        }
        var pairs = net.Select(h => from <= target
            ? new GroupDiff.Pair(h.Kind, h.Id, h.Before, h.After, h.Version)
            : new GroupDiff.Pair(h.Kind, h.Id, h.After, h.Before, h.Version));
        var header = new JsonObject { ["gateway_group_id"] = GroupId, ["from"] = from, ["to"] = target, ["source"] = "history", ["version"] = current };
        return new HistoryResult(200, null, GroupDiff.Write(header, pairs, new ComparableValues(await KeyringsSinceAsync(low)), limit));
    }

    public Task<HistoryResult> DiffWithSnapshot(string resourcesJson, string configJson, long snapshotVersion, int limit)
    {
        if (_group is null)
        {
            return Task.FromResult(new HistoryResult(404, $"gateway group \"{GroupId}\" not found"));
        }
        if (JsonNode.Parse(resourcesJson) is not JsonObject set)
        {
            return Task.FromResult(new HistoryResult(422, $"snapshot version {snapshotVersion} holds no resource set"));
        }
        var pairs = new Dictionary<ResourceKey, GroupDiff.Pair>();
        foreach (var kind in ResourceKinds.All)
        {
            foreach (var item in (set[kind.PathName()] as JsonArray ?? []).OfType<JsonObject>())
            {
                var id = item[kind.IdField()]?.ToString() ?? "";
                pairs[new ResourceKey(kind, id)] = new GroupDiff.Pair(kind, id, item.ToJsonString(), null);
            }
        }
        foreach (var resource in _resources.All())
        {
            var key = new ResourceKey(resource.Kind, resource.Id);
            pairs[key] = (pairs.TryGetValue(key, out var pair) ? pair : new GroupDiff.Pair(resource.Kind, resource.Id, null, null)) with
            {
                After = resource.Json,
                Version = resource.ModifiedIndex,
            };
        }
        var all = pairs.Values.Append(new GroupDiff.Pair(null, "", configJson, _group.ConfigJson));
        var header = new JsonObject
        {
            ["gateway_group_id"] = GroupId, ["from"] = snapshotVersion, ["to"] = _group.Version, ["source"] = "snapshot", ["version"] = _group.Version,
        };
        var values = new ComparableValues([FieldCipher.FromConfig(configJson), Cipher]);
        return Task.FromResult(new HistoryResult(200, null, GroupDiff.Write(header, all, values, limit)));
    }

    /// <summary>
    /// The ciphers that open what the history holds after <paramref name="version"/>: the current keyring and every
    /// keyring the instance configuration held since (a value is sealed with the keyring of its time).
    /// </summary>
    private async Task<IReadOnlyList<FieldCipher?>> KeyringsSinceAsync(long version)
    {
        var ciphers = new List<FieldCipher?> { Cipher };
        foreach (var change in await store.LoadConfigChangesAsync(GroupId, version, CancellationToken.None))
        {
            ciphers.Add(FieldCipher.FromConfig(change.Before));
            ciphers.Add(FieldCipher.FromConfig(change.After));
        }
        return ciphers;
    }

    public Task<AdminResult> Rollback(long to) =>
        TracedAsync("rollback", null, null, () => ExclusiveAsync(() => RollbackCoreAsync(to)));

    /// <summary>
    /// Version <paramref name="to"/>'s resources and instance configuration (its keyring excepted: a rollback never
    /// brings back a retired key) written as one new version that touches only what changed since: each such resource
    /// is put back as it was (validated again, its secrets opened with the keyrings the history holds and sealed with
    /// the current one) or deleted, the others keep their rows and versions, and data planes get the delta, not the
    /// whole group. Dangling references are restored as they were (a forced delete leaves them).
    /// </summary>
    private async Task<AdminResult> RollbackCoreAsync(long to)
    {
        if (_group is null)
        {
            return GroupMissingResult();
        }
        var group = _group;
        var current = group.Version;
        if (to < 0 || to >= current)
        {
            return AdminResult.Fail(400, $"invalid query argument \"to\": a rollback goes to an earlier version than the current one ({current}), not {to}", current);
        }
        if (await HistoryGapAsync(to, current) is { } gap)
        {
            return AdminResult.Fail(410, gap, current);
        }
        var net = await store.LoadNetChangesAsync(GroupId, to, current, CancellationToken.None);
        if (await HistoryGapAsync(to, current) is { } pruned)
        {
            return AdminResult.Fail(410, pruned, current); // pruned between the two reads
        }
        var keyrings = await KeyringsSinceAsync(to);
        var openWith = FieldCipher.Combined(keyrings.OfType<FieldCipher>().ToList());
        var comparable = new ComparableValues(keyrings);
        var version = current + 1;
        var now = Now;
        var upserts = new List<(StoredResource Stored, IReadOnlyList<ResourceKey> References, IReadOnlyList<string> Credentials)>();
        var deletes = new List<ResourceKey>();
        string? configJson = null;
        foreach (var change in net)
        {
            if (change.Kind is not { } kind)
            {
                var restored = WithEncryptionOf(change.Before ?? "{}", group.ConfigJson);
                if (CheckConfig(restored, out var normalized) is { } configError)
                {
                    return AdminResult.Fail(400, $"version {to}'s instance configuration no longer validates: {configError}", current);
                }
                configJson = JsonNode.DeepEquals(JsonNode.Parse(normalized), JsonNode.Parse(group.ConfigJson)) ? null : normalized;
                continue;
            }
            var key = new ResourceKey(kind, change.Id);
            var existing = _resources.Get(kind, change.Id);
            if (change.Before is null)
            {
                if (existing is not null)
                {
                    deletes.Add(key);
                }
                continue;
            }
            if (existing is not null && JsonNode.DeepEquals(comparable.Resource(kind, existing.Json), comparable.Resource(kind, change.Before)))
            {
                continue; // changed and changed back since
            }
            var value = JsonNode.Parse(change.Before)!.AsObject();
            var createTime = value["create_time"]?.DeepClone();
            value.Remove("create_time");
            value.Remove("update_time");
            var error = SecretValues.Decrypt(kind, change.Id, value, openWith) ?? ResourceValidator.Validate(kind, change.Id, value, keepIdType: true);
            if (error is not null)
            {
                return AdminResult.Fail(400, $"version {to}'s {kind.Singular()} {change.Id} no longer validates: {error}", current);
            }
            var references = ResourceValidator.References(kind, value);
            var credentials = ResourceValidator.UniqueCredentials(kind, value);
            SecretValues.Encrypt(kind, value, Cipher);
            value["create_time"] = createTime ?? now;
            value["update_time"] = now;
            upserts.Add((new StoredResource(kind, change.Id, value.ToJsonString(), existing?.CreatedIndex ?? version, version), references, credentials));
        }
        // A credential is unique in the result: held by a consumer that stays as it is, it cannot come back elsewhere.
        var touched = upserts.Select(u => u.Stored).Where(r => r.Kind == ResourceKind.Consumer).Select(r => r.Id)
            .Concat(deletes.Where(d => d.Kind == ResourceKind.Consumer).Select(d => d.Id)).ToHashSet(StringComparer.Ordinal);
        foreach (var (stored, _, credentials) in upserts)
        {
            foreach (var credential in credentials)
            {
                if (_resources.CredentialOwner(credential, except: stored.Id) is { } owner && !touched.Contains(owner))
                {
                    var plugin = credential[..credential.IndexOf(':')];
                    return AdminResult.Fail(400, $"duplicate {ResourceValidator.CredentialFieldOf(credential)} of plugin {plugin} found with consumer: {owner}", current);
                }
            }
        }
        var history = upserts.Select(u => new HistoryRecord(version, u.Stored.Kind, u.Stored.Id, _resources.Get(u.Stored.Kind, u.Stored.Id)?.Json, u.Stored.Json))
            .Concat(deletes.Select(d => new HistoryRecord(version, d.Kind, d.Id, _resources.Get(d.Kind, d.Id)!.Json, null)))
            .ToList();
        var changes = upserts.Select(u => new ChangeRecord(version, ChangeKind.Upsert, u.Stored.Kind, u.Stored.Id))
            .Concat(deletes.Select(d => new ChangeRecord(version, ChangeKind.Delete, d.Kind, d.Id))).ToList();
        if (configJson is not null)
        {
            history.Add(new HistoryRecord(version, null, "", group.ConfigJson, configJson));
            changes.Add(new ChangeRecord(version, ChangeKind.Config, ResourceKind.Route, ""));
        }
        var audit = NewAudit(version, AuditOperations.Rollback, null, null, upserts.Count + deletes.Count, $"to version {to}");
        var (outcome, committed) = await CommitAsync(upserts.Select(u => u.Stored).ToList(), deletes, changes, audit, history, configJson: configJson);
        if (outcome != CommitOutcome.Committed)
        {
            return Failure(outcome);
        }
        foreach (var (stored, references, credentials) in upserts)
        {
            _resources.Upsert(stored, references, credentials);
        }
        foreach (var key in deletes)
        {
            _resources.Remove(key);
        }
        logger.LogWarning("Gateway group {Group}: rolled back to version {To}: {Upserts} resources put back, {Deletes} deleted{Config}, now at version {Version}",
            GroupId, to, upserts.Count, deletes.Count, configJson is null ? "" : ", instance configuration restored", committed);
        Publish(committed, current, reset: false, System.Diagnostics.Activity.Current?.Context ?? default,
            new ChangeSet(GroupId, current, committed, false, upserts.Select(u => u.Stored).ToList(), deletes, ConfigChanged: configJson is not null));
        return new AdminResult(200, null, null, committed);
    }

    /// <summary><paramref name="configJson"/> with the encryption settings of <paramref name="currentJson"/>.</summary>
    private static string WithEncryptionOf(string configJson, string currentJson)
    {
        var config = JsonNode.Parse(configJson) as JsonObject ?? [];
        config.Remove("keyring");
        config.Remove("data_encryption");
        if (JsonNode.Parse(currentJson)?["data_encryption"] is JsonObject settings)
        {
            config["data_encryption"] = settings.DeepClone();
        }
        return config.ToJsonString();
    }

    /// <summary>The items of a whole-group replacement whose content equals what the group holds (times and sealing aside).</summary>
    private HashSet<ResourceKey> UnchangedByReplace(IReadOnlyList<BulkConfig.Item> items, FieldCipher? cipher)
    {
        var values = new ComparableValues([Cipher, cipher]);
        var unchanged = new HashSet<ResourceKey>();
        foreach (var item in items)
        {
            if (_resources.Get(item.Kind, item.Id) is { } existing
                && JsonNode.DeepEquals(values.Resource(item.Kind, existing.Json), values.Resource(item.Kind, item.Value.ToJsonString())))
            {
                unchanged.Add(new ResourceKey(item.Kind, item.Id));
            }
        }
        return unchanged;
    }

    /// <summary>The history rows of a whole-group replacement: what it added, changed and removed, and the configuration when it changed.</summary>
    private List<HistoryRecord> HistoryOfReplace(IReadOnlyList<StoredResource> stored, HashSet<ResourceKey> unchanged, long version, string? configJson)
    {
        var rows = new List<HistoryRecord>();
        var kept = new HashSet<ResourceKey>();
        foreach (var resource in stored)
        {
            var key = new ResourceKey(resource.Kind, resource.Id);
            kept.Add(key);
            if (!unchanged.Contains(key))
            {
                rows.Add(new HistoryRecord(version, resource.Kind, resource.Id, _resources.Get(resource.Kind, resource.Id)?.Json, resource.Json));
            }
        }
        foreach (var resource in _resources.All())
        {
            if (!kept.Contains(new ResourceKey(resource.Kind, resource.Id)))
            {
                rows.Add(new HistoryRecord(version, resource.Kind, resource.Id, resource.Json, null));
            }
        }
        if (configJson is not null && configJson != _group!.ConfigJson)
        {
            rows.Add(new HistoryRecord(version, null, "", _group.ConfigJson, configJson));
        }
        return rows;
    }
}
