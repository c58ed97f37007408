using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Security;

namespace OrleansGateway.Grains.Tests.Groups;

/// <summary>Secrets stored encrypted with the group's keyring: in the database, the change feed and the export.</summary>
[Collection(ClusterCollection.Name)]
public class FieldEncryptionTests(ClusterFixture fixture)
{
    private const string Secret = "jack-secret-key-1";

    private async Task<IGatewayGroupGrain> NewGroupAsync()
    {
        var id = "enc-" + Guid.NewGuid().ToString("N")[..12];
        var grain = fixture.Grains.GetGrain<IGatewayGroupGrain>(id);
        Assert.Equal(201, (await grain.Create(id, null)).Status);
        return grain;
    }

    private async Task<string[]> RawRowsAsync(string group)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(fixture.Folder, "groups.db")};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM og_resources WHERE group_id = $g";
        command.Parameters.AddWithValue("$g", group);
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }
        return [.. rows];
    }

    private static string Consumer(string name, string key) =>
        new JsonObject { ["username"] = name, ["plugins"] = new JsonObject { ["key-auth"] = new JsonObject { ["key"] = key } } }.ToJsonString();

    /// <summary>A resource as stored (a GET opens plugin secrets, as APISIX's Admin API does).</summary>
    private static async Task<StoredResource> StoredAsync(IGatewayGroupGrain g, ResourceKind kind, string id) =>
        (await g.Export()).Resources.Single(r => r.Kind == kind && r.Id == id);

    private static string KeyOf(StoredResource consumer) => JsonNode.Parse(consumer.Json)!["plugins"]!["key-auth"]!["key"]!.GetValue<string>();

    [Fact]
    public async Task A_new_group_has_a_keyring_and_a_consumer_key_is_nowhere_in_clear()
    {
        var g = await NewGroupAsync();
        var config = (await g.GetConfig()).ConfigJson!;
        var cipher = FieldCipher.FromConfig(config)!;
        Assert.Equal(1, cipher.KeyCount);

        var put = await g.Put(ResourceKind.Consumer, "jack", Consumer("jack", Secret));
        Assert.Equal(201, put.Status);
        Assert.StartsWith(FieldCipher.Prefix, KeyOf(put.Item!));
        Assert.True(cipher.TryDecrypt(KeyOf(put.Item!), out var plain));
        Assert.Equal(Secret, plain);

        var group = (await g.GetInfo()).Group!.Id;
        Assert.DoesNotContain(await RawRowsAsync(group), row => row.Contains(Secret, StringComparison.Ordinal));
        Assert.Single(await RawRowsAsync(group));
        Assert.DoesNotContain(Secret, string.Concat((await g.GetChangesSince(0)).Upserted.Select(r => r.Json)));
        Assert.DoesNotContain(Secret, string.Concat((await g.Export()).Resources.Select(r => r.Json)));

        // Unique in clear: the same key under another consumer is refused, also once the group is loaded afresh.
        var duplicate = await g.Put(ResourceKind.Consumer, "jill", Consumer("jill", Secret));
        Assert.Equal("duplicate key of plugin key-auth found with consumer: jack", duplicate.Error);
        await g.Cast<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        await Task.Delay(500); // the next call activates it afresh, loading from the store
        duplicate = await g.Put(ResourceKind.Consumer, "jill", Consumer("jill", Secret));
        Assert.Equal("duplicate key of plugin key-auth found with consumer: jack", duplicate.Error);

        // A read opens the key, as APISIX's Admin API does; what a write answers is as stored; either can be written back.
        Assert.Equal(Secret, KeyOf((await g.Get(ResourceKind.Consumer, "jack")).Item!));
        var read = JsonNode.Parse((await g.Get(ResourceKind.Consumer, "jack")).Item!.Json)!.AsObject();
        read.Remove("create_time");
        read.Remove("update_time");
        var again = await g.Put(ResourceKind.Consumer, "jack", read.ToJsonString());
        Assert.Equal(200, again.Status);
        Assert.True(cipher.TryDecrypt(KeyOf(again.Item!), out plain));
        Assert.Equal(Secret, plain);
        var sealedBody = JsonNode.Parse(again.Item!.Json)!.AsObject();
        sealedBody.Remove("create_time");
        sealedBody.Remove("update_time");
        var resealed = await g.Put(ResourceKind.Consumer, "jack", sealedBody.ToJsonString());
        Assert.True(cipher.TryDecrypt(KeyOf(resealed.Item!), out plain));
        Assert.Equal(Secret, plain); // opened and sealed again, not sealed twice
    }

    [Fact]
    public async Task A_value_sealed_by_another_keyring_is_refused_naming_the_field()
    {
        var g = await NewGroupAsync();
        var foreign = FieldCipher.FromConfig("""{"data_encryption":{"keyring":["another-key-0123456789"]}}""")!.Encrypt(Secret);
        var put = await g.Put(ResourceKind.Consumer, "jack", Consumer("jack", foreign));
        Assert.Equal((400, "cannot decrypt consumers \"jack\" plugins.key-auth.key: no key of the gateway group's keyring (1) opens it"), (put.Status, put.Error));
    }

    [Fact]
    public async Task A_new_keyring_reencrypts_every_secret_in_one_version_and_the_switch_stores_them_in_clear()
    {
        var g = await NewGroupAsync();
        await g.Put(ResourceKind.Consumer, "jack", Consumer("jack", Secret));
        await g.Put(ResourceKind.Upstream, "u", """{"nodes":{"127.0.0.1:1":1}}""");
        var before = (await g.GetInfo()).Group!.Version;

        // A configuration that names no keyring keeps the one there is.
        Assert.Equal(200, (await g.PutConfig("""{"discovery":{}}""")).Status);
        Assert.Equal(1, FieldCipher.FromConfig((await g.GetConfig()).ConfigJson)!.KeyCount);

        const string rotated = """{"data_encryption":{"keyring":["rotated-key-0123456789abcdef0123"]}}""";
        Assert.Equal(200, (await g.PutConfig(rotated)).Status);
        var info = (await g.GetInfo()).Group!;
        Assert.Equal(before + 2, info.Version);
        var jack = await StoredAsync(g, ResourceKind.Consumer, "jack");
        Assert.Equal(info.Version, jack.ModifiedIndex); // re-encrypted in the config's version
        Assert.True(FieldCipher.FromConfig(rotated)!.TryDecrypt(KeyOf(jack), out var plain));
        Assert.Equal(Secret, plain);
        Assert.Equal(before, (await g.Get(ResourceKind.Upstream, "u")).Item!.ModifiedIndex); // no secret: untouched
        var feed = await g.GetChangesSince(before + 1);
        Assert.True(feed.ConfigChanged);

        Assert.Equal(200, (await g.PutConfig("""{"data_encryption":{"enable_encrypt_fields":false}}""")).Status);
        Assert.Equal(Secret, KeyOf(await StoredAsync(g, ResourceKind.Consumer, "jack")));
        // A configuration for something else keeps the switch as it is (off), and the keyring.
        Assert.Equal(200, (await g.PutConfig("""{"discovery":{"dns":{}}}""")).Status);
        Assert.Equal(Secret, KeyOf(await StoredAsync(g, ResourceKind.Consumer, "jack")));
        Assert.False(FieldCipher.FromConfig((await g.GetConfig()).ConfigJson)!.Encrypts);
    }

    [Fact]
    public async Task A_restore_opens_the_snapshot_secrets_with_the_snapshot_keyring()
    {
        var source = await NewGroupAsync();
        await source.Put(ResourceKind.Consumer, "jack", Consumer("jack", Secret));
        var export = await source.Export();

        var target = await NewGroupAsync();
        var imported = await target.ReplaceAll(StandaloneConfig.ToJson(export));
        Assert.Equal(400, imported.Status); // sealed by a keyring this group does not hold
        Assert.StartsWith("cannot decrypt consumers \"jack\"", imported.Error);
        Assert.Equal(200, (await target.Restore(StandaloneConfig.ToJson(export), export.ConfigJson, export.Version)).Status);
        var cipher = FieldCipher.FromConfig((await target.GetConfig()).ConfigJson)!;
        Assert.True(cipher.TryDecrypt(KeyOf(await StoredAsync(target, ResourceKind.Consumer, "jack")), out var plain));
        Assert.Equal(Secret, plain);
    }
}
