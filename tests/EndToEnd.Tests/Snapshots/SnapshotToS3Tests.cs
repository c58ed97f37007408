using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OrleansGateway.Configuration;
using OrleansGateway.Snapshots;
using OrleansGateway.Snapshots.Stores;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.Snapshots;

/// <summary>A real silo snapshotting to a real S3-protocol server (s3rver), configured with the seed document's block.</summary>
public sealed class SnapshotToS3Tests : IAsyncLifetime
{
    private const string ResourceBucket = "bucket-to-push-resource-data";
    private const string ConfigBucket = "bucket-to-push-config-data";
    private static readonly SnapshotLayout Layout = new(ResourceBucket, ConfigBucket);

    private S3rverProcess _s3 = null!;
    private SiloProcess _silo = null!;
    private HttpClient _admin = null!;
    private S3SnapshotStore _store = null!;

    public async Task InitializeAsync()
    {
        _s3 = await S3rverProcess.StartAsync(ResourceBucket, ConfigBucket);
        _silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-snap"), extraEnv: SiloEnv(_s3, S3rverProcess.SecretKey));
        _admin = _silo.AdminClient();
        _store = new S3SnapshotStore(_s3.StoreConfig(ResourceBucket, ConfigBucket));
    }

    public async Task DisposeAsync()
    {
        _store.Dispose();
        _admin.Dispose();
        await _silo.DisposeAsync();
        await _s3.DisposeAsync();
    }

    private static Dictionary<string, string> SiloEnv(S3rverProcess s3, string secret, string accessKey = S3rverProcess.AccessKey)
    {
        var env = s3.SiloEnvironment(ResourceBucket, ConfigBucket, "@every 2s", accessKey, secret);
        env["fallback_cp__retain"] = "3";
        return env;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<JsonNode> SnapshotsAsync(string group = "default") =>
        JsonNode.Parse(await _admin.GetStringAsync($"/api/gateway_groups/{group}/snapshots"))!;

    private async Task<long> VersionAsync() =>
        JsonNode.Parse(await _admin.GetStringAsync("/api/gateway_groups/default"))!["version"]!.GetValue<long>();

    private async Task WaitForSnapshotAsync(long version, TimeSpan timeout)
    {
        await _silo.Process.WaitUntilAsync(async () => (await SnapshotsAsync())["status"]!["last_version"]?.GetValue<long>() >= version,
            timeout, $"a snapshot of version {version}");
    }

    [Fact]
    public async Task Both_buckets_fill_within_a_period_and_the_reader_verifies_them()
    {
        await _admin.PutAsync("/apisix/admin/upstreams/1", Json("""{"nodes":{"127.0.0.1:1980":1}}"""));
        await _admin.PutAsync("/apisix/admin/routes/1", Json("""{"uri":"/ip","upstream_id":"1"}"""));
        await _admin.PutAsync("/api/gateway_groups/default/config", Json("""{"discovery":{"dns":{"servers":["127.0.0.1:53"]}}}"""));
        var version = await VersionAsync();
        await WaitForSnapshotAsync(version, TimeSpan.FromSeconds(15));

        var res = (await _store.ListAsync(ResourceBucket, "default/", CancellationToken.None)).Select(o => o.Key).ToList();
        var cfg = (await _store.ListAsync(ConfigBucket, "default/", CancellationToken.None)).Select(o => o.Key).ToList();
        Assert.Contains("default/resources/latest.json", res);
        Assert.Contains($"default/resources/v{version:D12}.manifest.json", res);
        Assert.Contains(res, k => k.StartsWith($"default/resources/v{version:D12}-", StringComparison.Ordinal) && k.EndsWith(".json.gz", StringComparison.Ordinal));
        Assert.Contains("default/config/latest.json", cfg);
        Assert.DoesNotContain(cfg, k => k.Contains("/resources/", StringComparison.Ordinal));

        var resources = await new SnapshotReader(_store, Layout, "default", SnapshotLayout.Resources, null).PollAsync(0, CancellationToken.None);
        Assert.Equal(version, resources.Document!.Version);
        Assert.Equal("/ip", JsonNode.Parse(resources.Document.DataJson)!["routes"]![0]!["uri"]!.GetValue<string>());
        var config = await new SnapshotReader(_store, Layout, "default", SnapshotLayout.Config, null).PollAsync(0, CancellationToken.None);
        Assert.Contains("127.0.0.1:53", config.Document!.DataJson);

        // Unchanged content is not uploaded again: three more periods, the same objects.
        var before = res.Count;
        await Task.Delay(TimeSpan.FromSeconds(6.5));
        Assert.Equal(before, (await _store.ListAsync(ResourceBucket, "default/", CancellationToken.None)).Count);
        var status = (await SnapshotsAsync())["status"]!;
        Assert.Equal("unchanged", status["last_outcome"]!.GetValue<string>());
        Assert.Equal(version, status["last_version"]!.GetValue<long>());
        Assert.DoesNotContain(S3rverProcess.SecretKey, _silo.Process.Output);
    }

    [Fact]
    public async Task S3_down_never_blocks_the_admin_api_and_snapshots_catch_up_when_it_is_back()
    {
        await _admin.PutAsync("/apisix/admin/upstreams/1", Json("""{"nodes":{"127.0.0.1:1980":1}}"""));
        await WaitForSnapshotAsync(await VersionAsync(), TimeSpan.FromSeconds(15));
        _s3.Stop();

        var started = DateTime.UtcNow;
        var write = await _admin.PutAsync("/apisix/admin/routes/down", Json("""{"uri":"/down","upstream_id":"1"}"""));
        Assert.Equal(HttpStatusCode.Created, write.StatusCode);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
        await _silo.Process.WaitUntilAsync(async () => (await SnapshotsStatusAsync())["consecutive_failures"]!.GetValue<int>() >= 1,
            TimeSpan.FromSeconds(30), "a failed snapshot attempt");
        var failed = await SnapshotsStatusAsync();
        Assert.Equal("unreachable", failed["last_failure_kind"]!.GetValue<string>());

        await _s3.StartAsync();
        await WaitForSnapshotAsync(await VersionAsync(), TimeSpan.FromSeconds(60));
        Assert.Equal(0, (await SnapshotsStatusAsync())["consecutive_failures"]!.GetValue<int>());
    }

    /// <summary>While S3 is down the list cannot be read, but the status still can (through the grain).</summary>
    private async Task<JsonNode> SnapshotsStatusAsync()
    {
        var response = await _admin.PostAsync("/api/gateway_groups/default/snapshots", null);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    [Fact]
    public async Task Restore_replaces_the_group_with_a_snapshot_under_a_higher_version()
    {
        await _admin.PutAsync("/apisix/admin/upstreams/1", Json("""{"nodes":{"127.0.0.1:1980":1}}"""));
        await _admin.PutAsync("/apisix/admin/routes/keep", Json("""{"uri":"/keep","upstream_id":"1"}"""));
        var good = await VersionAsync();
        await WaitForSnapshotAsync(good, TimeSpan.FromSeconds(15));

        // The database "loses" data: the route is deleted and garbage added.
        await _admin.DeleteAsync("/apisix/admin/routes/keep");
        await _admin.PutAsync("/apisix/admin/routes/junk", Json("""{"uri":"/junk","upstream_id":"1"}"""));
        var before = await VersionAsync();

        var restore = await _admin.PostAsync($"/api/gateway_groups/default/snapshots/{good}/restore", null);
        Assert.Equal(HttpStatusCode.OK, restore.StatusCode);
        var restored = JsonNode.Parse(await restore.Content.ReadAsStringAsync())!;
        Assert.True(restored["version"]!.GetValue<long>() > before);
        Assert.Equal(HttpStatusCode.OK, (await _admin.GetAsync("/apisix/admin/routes/keep")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync("/apisix/admin/routes/junk")).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await _admin.PostAsync("/api/gateway_groups/default/snapshots/999999/restore", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync("/api/gateway_groups/nobody/snapshots")).StatusCode);
    }

    [Fact]
    public async Task Wrong_credentials_are_reported_and_never_logged()
    {
        await using var silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-snap"), extraEnv: SiloEnv(_s3, "a-wrong-secret-value", "WRONGKEY"));
        using var admin = silo.AdminClient();
        Assert.Equal(HttpStatusCode.Created, (await admin.PutAsync("/apisix/admin/upstreams/1", Json("""{"nodes":{"127.0.0.1:1980":1}}"""))).StatusCode);
        var response = await admin.PostAsync("/api/gateway_groups/default/snapshots", null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("credentials", status["last_failure_kind"]!.GetValue<string>());
        await Task.Delay(500);
        Assert.DoesNotContain("a-wrong-secret-value", silo.Process.Output);
        Assert.Contains("credentials", silo.Process.Output);
    }
}
