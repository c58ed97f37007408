using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.History;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Security;
using OrleansGateway.Grains.Storage;

namespace OrleansGateway.Grains.Groups;

/// <summary>
/// Field encryption at rest with the group's keyring (its instance configuration's <c>data_encryption</c>): secrets are
/// validated in clear and stored encrypted, so the database, the change feed, the snapshots and the data planes' caches
/// hold no secret in clear. A group gets a generated keyring when it is created (or, made before this existed, when it
/// is next loaded); changing the keyring or the switch re-encrypts every secret in the same version.
/// </summary>
public sealed partial class GatewayGroupGrain
{
    private string? _cipherFor;
    private FieldCipher? _cipher;

    /// <summary>The cipher of the group's current keyring (null: none, secrets in clear).</summary>
    private FieldCipher? Cipher
    {
        get
        {
            var config = _group?.ConfigJson;
            if (!ReferenceEquals(config, _cipherFor))
            {
                _cipher = FieldCipher.FromConfig(config);
                _cipherFor = config;
            }
            return _cipher;
        }
    }

    /// <summary>A new group's instance configuration: a generated keyring, encryption on.</summary>
    private static string NewConfigJson() =>
        new JsonObject { ["data_encryption"] = new JsonObject { ["keyring"] = new JsonArray(FieldCipher.NewKey()) } }.ToJsonString();

    /// <summary>
    /// <paramref name="incoming"/> (a valid instance configuration) with the current encryption settings kept when it
    /// names none (a configuration written for something else, such as discovery, changes neither the keyring nor the
    /// switch), and the current keyring kept when it sets only the switch.
    /// </summary>
    private static string KeepKeyring(string incoming, string current)
    {
        var config = JsonNode.Parse(incoming)!.AsObject();
        if (config["data_encryption"]?["keyring"] is not null)
        {
            return incoming;
        }
        if (config["data_encryption"] is null && JsonNode.Parse(current)?["data_encryption"] is JsonObject settingsNow)
        {
            config["data_encryption"] = settingsNow.DeepClone();
            return config.ToJsonString();
        }
        var keyring = JsonNode.Parse(current)?["data_encryption"]?["keyring"];
        if (keyring is null)
        {
            return incoming;
        }
        if (config["data_encryption"] is not JsonObject settings)
        {
            config["data_encryption"] = settings = new JsonObject();
        }
        settings["keyring"] = keyring.DeepClone();
        return config.ToJsonString();
    }

    /// <summary>
    /// Every stored resource with secrets, opened with the current keyring and sealed again with <paramref name="next"/>'s
    /// (or left in clear when it does not encrypt), as of <paramref name="version"/>; null with the reason when a
    /// stored secret does not open.
    /// </summary>
    private List<StoredResource>? Reencrypted(FieldCipher? next, long version, out string? error)
    {
        error = null;
        var changed = new List<StoredResource>();
        foreach (var resource in _resources.All())
        {
            var value = JsonNode.Parse(resource.Json)!.AsObject();
            if (SecretFields.Map(resource.Kind, value, (_, text) => text) == 0)
            {
                continue;
            }
            if (SecretValues.Decrypt(resource.Kind, resource.Id, value, Cipher) is { } decryptError)
            {
                error = decryptError;
                return null;
            }
            SecretValues.Encrypt(resource.Kind, value, next);
            changed.Add(resource with { Json = value.ToJsonString(), ModifiedIndex = version });
        }
        return changed;
    }

    /// <summary>
    /// Commits a new instance configuration and, when its encryption settings differ, every secret re-encrypted for
    /// it: one version, which data planes load whole (its change says the configuration changed).
    /// </summary>
    private async Task<AdminResult> CommitConfigAsync(string configJson, string? detail = null)
    {
        var group = _group!;
        var previous = group.Version;
        var version = previous + 1;
        var (wasEnabled, wasKeyring) = FieldCipher.Settings(group.ConfigJson);
        var (enabled, keyring) = FieldCipher.Settings(configJson);
        var rekey = wasEnabled != enabled || !wasKeyring.SequenceEqual(keyring);
        string? error = null;
        var upserts = rekey ? Reencrypted(FieldCipher.FromConfig(configJson), version, out error) : [];
        if (upserts is null)
        {
            return AdminResult.Fail(400, $"the keyring cannot change: {error}", previous);
        }
        var changes = upserts.Select(u => new ChangeRecord(version, ChangeKind.Upsert, u.Kind, u.Id))
            .Append(new ChangeRecord(version, ChangeKind.Config, ResourceKind.Route, "")).ToList();
        // Secrets sealed again are not a change of the resources: the history records the configuration only (what a
        // resource held before opens with the keyrings the configuration's history holds).
        var audit = NewAudit(version, AuditOperations.Config, null, null, 0, detail ?? (rekey ? $"keyring changed; {upserts.Count} resources sealed again" : null));
        var (outcome, committed) = await CommitAsync(upserts, [], changes, audit, [new HistoryRecord(version, null, "", group.ConfigJson, configJson)], configJson: configJson);
        if (outcome != CommitOutcome.Committed)
        {
            return Failure(outcome);
        }
        foreach (var upsert in upserts)
        {
            _resources.ReplaceText(upsert);
        }
        if (upserts.Count > 0)
        {
            logger.LogInformation("Re-encrypted {Count} resources of gateway group {Group} for its new keyring at version {Version}", upserts.Count, GroupId, committed);
        }
        Publish(committed, previous, reset: false, System.Diagnostics.Activity.Current?.Context ?? default,
            new ChangeSet(GroupId, previous, committed, false, upserts, [], ConfigChanged: true));
        return new AdminResult(200, null, null, committed);
    }

    /// <summary>A group made before field encryption gets its keyring, and its secrets sealed, when it is next loaded.</summary>
    private async Task EnsureKeyringAsync()
    {
        if (_group is null || FieldCipher.Settings(_group.ConfigJson).Keyring.Count > 0)
        {
            return;
        }
        // Its configuration as it is, given a new group's encryption settings (it names no keyring).
        var result = await CommitConfigAsync(KeepKeyring(_group.ConfigJson, NewConfigJson()), "generated a keyring for a group that had none");
        if (result.Error is not null)
        {
            logger.LogWarning("Could not give gateway group {Group} a keyring ({Error}); its secrets stay as they are until it has one", GroupId, result.Error);
        }
        else
        {
            logger.LogWarning("Gateway group {Group} had no keyring: generated one and encrypted its secrets at version {Version}", GroupId, result.Version);
        }
    }
}
