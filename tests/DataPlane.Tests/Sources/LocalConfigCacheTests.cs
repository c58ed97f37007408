using Microsoft.Extensions.Logging.Abstractions;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.DataPlane.Proxy;
using OrleansGateway.DataPlane.Sources;

namespace OrleansGateway.DataPlane.Tests.Sources;

public sealed class LocalConfigCacheTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("og-cache-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ProxyConfig Version(long v) => ProxyConfig.Build(
        $$$"""{"upstreams":[{"id":"u","nodes":{"127.0.0.1:1":1}}],"routes":[{"id":"r{{{v}}}","uri":"/v{{{v}}}","upstream_id":"u"}]}""", v, "control_plane", DateTimeOffset.UnixEpoch);

    private long? CachedVersion(LocalConfigCache cache) => cache.TryRead(DateTimeOffset.UnixEpoch, out _)?.Version;

    [Fact]
    public async Task A_burst_of_versions_ends_with_the_newest_on_disk()
    {
        var cache = new LocalConfigCache(_dir, "g") { MinInterval = TimeSpan.FromMilliseconds(100) };
        for (var v = 1; v <= 50; v++)
        {
            cache.Schedule(Version(v), NullLogger.Instance);
        }
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (CachedVersion(cache) != 50 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        var read = cache.TryRead(DateTimeOffset.UnixEpoch, out var problem);
        Assert.Null(problem);
        Assert.Equal(50, read?.Version);
        Assert.Equal("r50", read!.Routes.Match(new Routing.FakeRequest("/v50"))?.Id);
    }

    [Fact]
    public void Flush_writes_the_version_waiting_for_its_turn()
    {
        var cache = new LocalConfigCache(_dir, "g") { MinInterval = TimeSpan.FromMinutes(5) };
        cache.Schedule(Version(1), NullLogger.Instance); // written at once, then the writer rests
        SpinWait.SpinUntil(() => CachedVersion(cache) == 1, TimeSpan.FromSeconds(10));
        cache.Schedule(Version(2), NullLogger.Instance); // waits out the interval
        Assert.Equal(1, CachedVersion(cache));
        cache.Flush();
        Assert.Equal(2, CachedVersion(cache));
    }

    [Fact]
    public void An_older_version_never_replaces_a_newer_one_on_disk()
    {
        var cache = new LocalConfigCache(_dir, "g");
        cache.Write(Version(5));
        cache.Write(Version(3));
        Assert.Equal(5, CachedVersion(cache));
    }

    /// <summary>Version 1 (a full build), then versions 2..<paramref name="last"/>, each adding route r{v} by a change set; version 4 also deletes r1.</summary>
    private static List<ProxyConfig> Chain(long last)
    {
        var versions = new List<ProxyConfig> { Version(1) };
        for (var v = 2L; v <= last; v++)
        {
            var changes = new ChangeSet("g", v - 1, v, false,
                [new StoredResource(ResourceKind.Route, $"r{v}", $$$"""{"id":"r{{{v}}}","uri":"/v{{{v}}}","upstream_id":"u"}""", v, v)],
                v == 4 ? [new ResourceKey(ResourceKind.Route, "r1")] : [], false);
            versions.Add(versions[^1].WithChanges(changes, "control_plane", DateTimeOffset.UnixEpoch));
        }
        return versions;
    }

    private static string? Served(ProxyConfig? config, long v) => config?.Routes.Match(new Routing.FakeRequest($"/v{v}"))?.Id;

    [Fact]
    public void Versions_made_by_a_change_set_are_appended_to_the_journal_not_rewritten()
    {
        var cache = new LocalConfigCache(_dir, "g");
        var chain = Chain(10);
        cache.Write(chain[0]);
        var checkpoint = File.ReadAllBytes(cache.Path);
        var afterCheckpoint = cache.BytesWritten;
        foreach (var version in chain.Skip(1))
        {
            cache.Write(version);
        }
        Assert.Equal(checkpoint, File.ReadAllBytes(cache.Path));
        Assert.True(cache.BytesWritten - afterCheckpoint < 9 * 400, $"{cache.BytesWritten - afterCheckpoint} bytes for 9 one-route changes");

        var read = cache.TryRead(DateTimeOffset.UnixEpoch, out var problem);
        Assert.Null(problem);
        Assert.Equal(10, read!.Version);
        Assert.Equal("r10", Served(read, 10));
        Assert.Equal("r2", Served(read, 2));
        Assert.Null(Served(read, 1)); // deleted in version 4
    }

    [Fact]
    public void A_record_cut_short_by_a_crash_leaves_the_version_before_it()
    {
        var cache = new LocalConfigCache(_dir, "g");
        foreach (var version in Chain(6))
        {
            cache.Write(version);
        }
        var journal = File.ReadAllBytes(cache.JournalPath);
        foreach (var cut in new[] { 1, 7, 20 })
        {
            File.WriteAllBytes(cache.JournalPath, journal[..^cut]);
            var read = cache.TryRead(DateTimeOffset.UnixEpoch, out var problem);
            Assert.Null(problem);
            Assert.Equal(5, read!.Version);
            Assert.Null(Served(read, 6));
        }
    }

    [Fact]
    public void A_damaged_record_ends_the_journal_there()
    {
        var cache = new LocalConfigCache(_dir, "g");
        var chain = Chain(6);
        cache.Write(chain[0]);
        var headerEnd = new FileInfo(cache.JournalPath).Length;
        cache.Write(chain[1]);
        cache.Write(chain[2]);
        var thirdStart = new FileInfo(cache.JournalPath).Length;
        foreach (var version in chain.Skip(3))
        {
            cache.Write(version);
        }
        var journal = File.ReadAllBytes(cache.JournalPath);
        journal[thirdStart + 20] ^= 0x5a; // inside the record of version 4
        File.WriteAllBytes(cache.JournalPath, journal);
        Assert.True(headerEnd < thirdStart);
        Assert.Equal(3, cache.TryRead(DateTimeOffset.UnixEpoch, out _)!.Version);
    }

    [Fact]
    public void A_journal_of_another_checkpoint_is_not_read()
    {
        // A crash after a new checkpoint was renamed into place, before its journal: the old journal builds on version 1.
        var cache = new LocalConfigCache(_dir, "g");
        foreach (var version in Chain(5))
        {
            cache.Write(version);
        }
        var oldJournal = File.ReadAllBytes(cache.JournalPath);
        new LocalConfigCache(_dir, "g").Write(Version(20));
        File.WriteAllBytes(cache.JournalPath, oldJournal);
        var read = cache.TryRead(DateTimeOffset.UnixEpoch, out _);
        Assert.Equal(20, read!.Version);
        Assert.Null(Served(read, 5));
    }

    [Fact]
    public void The_journal_is_compacted_into_a_checkpoint_once_it_outgrows_it_and_a_new_process_starts_with_one()
    {
        var cache = new LocalConfigCache(_dir, "g") { CompactAfterBytes = 600 };
        var chain = Chain(30);
        foreach (var version in chain)
        {
            cache.Write(version);
        }
        var checkpointVersion = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(cache.Path))!["version"]!.GetValue<long>();
        Assert.InRange(checkpointVersion, 2, 30);
        Assert.True(new FileInfo(cache.JournalPath).Length < 2 * Math.Max(600, new FileInfo(cache.Path).Length));
        Assert.Equal(30, cache.TryRead(DateTimeOffset.UnixEpoch, out _)!.Version);

        // A restarted data plane: its first write is a checkpoint, even of a version that continues the one on disk.
        var restarted = new LocalConfigCache(_dir, "g");
        var next = chain[^1].WithChanges(new ChangeSet("g", 30, 31, false, [], [new ResourceKey(ResourceKind.Route, "r30")], false), "control_plane", DateTimeOffset.UnixEpoch);
        restarted.Write(next);
        Assert.Equal(31, System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(restarted.Path))!["version"]!.GetValue<long>());
        Assert.Null(Served(restarted.TryRead(DateTimeOffset.UnixEpoch, out _), 30));
    }
}
