using Microsoft.Extensions.Logging.Abstractions;
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
}
