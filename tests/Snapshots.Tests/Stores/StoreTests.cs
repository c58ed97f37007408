using OrleansGateway.Configuration;
using OrleansGateway.Snapshots.Stores;
using OrleansGateway.TestSupport;

namespace OrleansGateway.Snapshots.Tests.Stores;

public sealed class FolderSnapshotStoreTests : SnapshotStoreContract
{
    public override Task InitializeAsync()
    {
        Store = new FolderSnapshotStore(RepoPaths.TempFolder("og-folder"));
        return Task.CompletedTask;
    }

    public override Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Keys_cannot_escape_the_bucket()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.PutAsync(Bucket, "../other/x", [1], "application/octet-stream", CancellationToken.None));
    }
}

public sealed class S3SnapshotStoreTests : SnapshotStoreContract
{
    private S3rverProcess _server = null!;

    public static S3Config ConfigFor(S3rverProcess server, string accessKey = S3rverProcess.AccessKey, string secretKey = S3rverProcess.SecretKey) =>
        server.StoreConfig("res", "cfg", accessKey, secretKey);

    public override async Task InitializeAsync()
    {
        _server = await S3rverProcess.StartAsync("res", "cfg");
        Store = new S3SnapshotStore(ConfigFor(_server));
    }

    public override async Task DisposeAsync()
    {
        ((IDisposable)Store).Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Failures_are_classified_without_leaking_the_secret()
    {
        var missingBucket = await Assert.ThrowsAsync<SnapshotStoreException>(() => Store.PutAsync("nobucket", "k", [1], "application/octet-stream", CancellationToken.None));
        Assert.Equal("no_bucket", missingBucket.Kind);

        using var wrong = new S3SnapshotStore(ConfigFor(_server, "NOT-A-KEY", "not-the-secret"));
        var denied = await Assert.ThrowsAsync<SnapshotStoreException>(() => wrong.PutAsync(Bucket, "k", [1], "application/octet-stream", CancellationToken.None));
        Assert.Equal("credentials", denied.Kind);
        Assert.DoesNotContain("not-the-secret", denied.Message);

        _server.Stop();
        var down = await Assert.ThrowsAsync<SnapshotStoreException>(() => Store.GetAsync(Bucket, "k", null, CancellationToken.None));
        Assert.Equal("unreachable", down.Kind);
        await _server.StartAsync();
        await Store.PutAsync(Bucket, "k", [1], "application/octet-stream", CancellationToken.None);
    }
}
