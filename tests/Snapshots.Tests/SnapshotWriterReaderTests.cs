using System.Security.Cryptography;
using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Snapshots;
using OrleansGateway.Snapshots.Stores;
using OrleansGateway.Snapshots.Tests.Stores;
using OrleansGateway.TestSupport;

namespace OrleansGateway.Snapshots.Tests;

/// <summary>Writer and reader against a real S3-protocol server, with the layout the README documents.</summary>
public sealed class SnapshotWriterReaderTests : IAsyncLifetime
{
    private static readonly SnapshotLayout Layout = new("res", "cfg");
    private S3rverProcess _server = null!;
    private S3SnapshotStore _store = null!;

    public async Task InitializeAsync()
    {
        _server = await S3rverProcess.StartAsync("res", "cfg");
        _store = new S3SnapshotStore(S3SnapshotStoreTests.ConfigFor(_server));
    }

    public async Task DisposeAsync()
    {
        _store.Dispose();
        await _server.DisposeAsync();
    }

    private static GroupExport Export(long version, int routes = 3) => new("default", version,
        [
            new StoredResource(ResourceKind.Upstream, "1", """{"id":"1","nodes":{"127.0.0.1:1980":1}}""", 1, 1),
            .. Enumerable.Range(0, routes).Select(i => new StoredResource(ResourceKind.Route, $"r{i}", $$"""{"id":"r{{i}}","uri":"/r/{{i}}","upstream_id":"1"}""", 2, version)),
        ],
        """{"keyring":{"keys":["k"]}}""");

    private SnapshotWriter Writer(SnapshotKey? key = null, int retain = 3) => new(_store, Layout, key, retain, TimeProvider.System);

    [Fact]
    public async Task Both_buckets_hold_data_version_manifest_and_latest()
    {
        var (resources, config) = await Writer().WriteAsync(Export(5), CancellationToken.None);
        var resKeys = (await _store.ListAsync("res", "default/", CancellationToken.None)).Select(o => o.Key).ToList();
        var cfgKeys = (await _store.ListAsync("cfg", "default/", CancellationToken.None)).Select(o => o.Key).ToList();
        Assert.Contains(resources.Object, resKeys);
        Assert.Contains("default/resources/v000000000005.manifest.json", resKeys);
        Assert.Contains("default/resources/latest.json", resKeys);
        Assert.Contains(config.Object, cfgKeys);
        Assert.Contains("default/config/latest.json", cfgKeys);
        Assert.DoesNotContain(resKeys, k => k.Contains("/config/", StringComparison.Ordinal));

        var reader = new SnapshotReader(_store, Layout, "default", SnapshotLayout.Resources, null);
        var poll = await reader.PollAsync(0, CancellationToken.None);
        Assert.Equal(PollOutcome.Newer, poll.Outcome);
        var data = JsonNode.Parse(poll.Document!.DataJson)!;
        Assert.Equal(3, data["routes"]!.AsArray().Count);
        Assert.Equal(5, data["routes_conf_version"]!.GetValue<long>());

        var configReader = new SnapshotReader(_store, Layout, "default", SnapshotLayout.Config, null);
        Assert.Contains("keyring", (await configReader.PollAsync(0, CancellationToken.None)).Document!.DataJson);
    }

    [Fact]
    public async Task Reader_uses_the_etag_and_only_fetches_newer_versions()
    {
        await Writer().WriteAsync(Export(5), CancellationToken.None);
        var reader = new SnapshotReader(_store, Layout, "default", SnapshotLayout.Resources, null);
        Assert.Equal(PollOutcome.Newer, (await reader.PollAsync(0, CancellationToken.None)).Outcome);
        Assert.Equal(PollOutcome.Unchanged, (await reader.PollAsync(5, CancellationToken.None)).Outcome);
        await Writer().WriteAsync(Export(6), CancellationToken.None);
        var next = await reader.PollAsync(5, CancellationToken.None);
        Assert.Equal(PollOutcome.Newer, next.Outcome);
        Assert.Equal(6, next.Document!.Version);
        Assert.Equal(PollOutcome.NotNewer, (await new SnapshotReader(_store, Layout, "default", SnapshotLayout.Resources, null).PollAsync(9, CancellationToken.None)).Outcome);
        Assert.Equal(PollOutcome.Missing, (await new SnapshotReader(_store, Layout, "other", SnapshotLayout.Resources, null).PollAsync(0, CancellationToken.None)).Outcome);
    }

    [Fact]
    public async Task Retention_keeps_the_newest_versions_in_both_buckets()
    {
        var writer = Writer(retain: 3);
        for (var v = 1; v <= 6; v++)
        {
            await writer.WriteAsync(Export(v), CancellationToken.None);
        }
        foreach (var content in new[] { SnapshotLayout.Resources, SnapshotLayout.Config })
        {
            var versions = (await writer.ListAsync("default", content, CancellationToken.None)).Select(m => m.Version).ToArray();
            Assert.Equal([6L, 5, 4], versions);
            var objects = await _store.ListAsync(Layout.BucketOf(content), $"default/{content}/", CancellationToken.None);
            Assert.Equal(7, objects.Count); // 3 data + 3 version manifests + latest
        }
        Assert.Equal(4, (await writer.ReadVersionAsync("default", SnapshotLayout.Resources, 4, CancellationToken.None))!.Version);
        Assert.Null(await writer.ReadVersionAsync("default", SnapshotLayout.Resources, 2, CancellationToken.None));
    }

    [Fact]
    public async Task A_tampered_object_is_refused_and_retried_on_the_next_poll()
    {
        var (resources, _) = await Writer().WriteAsync(Export(5), CancellationToken.None);
        var stored = (await _store.GetAsync("res", resources.Object, null, CancellationToken.None))!.Data;
        stored[^10] ^= 0xff;
        await _store.PutAsync("res", resources.Object, stored, "application/gzip", CancellationToken.None);

        var reader = new SnapshotReader(_store, Layout, "default", SnapshotLayout.Resources, null);
        var refused = await Assert.ThrowsAsync<SnapshotRejectedException>(() => reader.PollAsync(0, CancellationToken.None));
        Assert.Equal(SnapshotRejection.HashMismatch, refused.Reason);
        // Still refused on the next poll (not remembered as seen), and accepted once a good snapshot is written.
        await Assert.ThrowsAsync<SnapshotRejectedException>(() => reader.PollAsync(0, CancellationToken.None));
        await Writer().WriteAsync(Export(6), CancellationToken.None);
        Assert.Equal(6, (await reader.PollAsync(0, CancellationToken.None)).Document!.Version);
    }

    [Fact]
    public async Task Encrypted_snapshots_need_the_key_on_the_reader()
    {
        var key = SnapshotKey.TryParse(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), out _)!;
        await Writer(key).WriteAsync(Export(5), CancellationToken.None);
        var noKey = await Assert.ThrowsAsync<SnapshotRejectedException>(() => new SnapshotReader(_store, Layout, "default", SnapshotLayout.Resources, null).PollAsync(0, CancellationToken.None));
        Assert.Equal(SnapshotRejection.MissingKey, noKey.Reason);
        Assert.Equal(5, (await new SnapshotReader(_store, Layout, "default", SnapshotLayout.Resources, key).PollAsync(0, CancellationToken.None)).Document!.Version);
    }
}
