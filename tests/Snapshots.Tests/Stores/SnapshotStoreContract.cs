using System.Text;
using OrleansGateway.Snapshots.Stores;

namespace OrleansGateway.Snapshots.Tests.Stores;

/// <summary>What every snapshot store does; run against the folder store and a real S3-protocol server.</summary>
public abstract class SnapshotStoreContract : IAsyncLifetime
{
    protected const string Bucket = "res";

    protected ISnapshotStore Store { get; set; } = null!;

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    [Fact]
    public async Task Put_then_get_returns_the_same_bytes_and_an_etag()
    {
        var data = Encoding.UTF8.GetBytes("{\"hello\":\"world\"}");
        await Store.PutAsync(Bucket, "g/resources/latest.json", data, "application/json", CancellationToken.None);
        var read = await Store.GetAsync(Bucket, "g/resources/latest.json", null, CancellationToken.None);
        Assert.Equal(data, read!.Data);
        Assert.False(string.IsNullOrEmpty(read.ETag));
    }

    [Fact]
    public async Task Binary_bodies_are_stored_verbatim()
    {
        var data = new byte[200_000];
        Random.Shared.NextBytes(data);
        await Store.PutAsync(Bucket, "g/resources/v000000000001-abc.json.gz", data, "application/gzip", CancellationToken.None);
        Assert.Equal(data, (await Store.GetAsync(Bucket, "g/resources/v000000000001-abc.json.gz", null, CancellationToken.None))!.Data);
    }

    [Fact]
    public async Task Conditional_get_says_not_modified_until_the_object_changes()
    {
        await Store.PutAsync(Bucket, "k", [1, 2, 3], "application/octet-stream", CancellationToken.None);
        var first = await Store.GetAsync(Bucket, "k", null, CancellationToken.None);
        var again = await Store.GetAsync(Bucket, "k", first!.ETag, CancellationToken.None);
        Assert.True(again!.NotModified);
        await Store.PutAsync(Bucket, "k", [4, 5, 6], "application/octet-stream", CancellationToken.None);
        var changed = await Store.GetAsync(Bucket, "k", first.ETag, CancellationToken.None);
        Assert.False(changed!.NotModified);
        Assert.Equal([4, 5, 6], changed.Data);
    }

    [Fact]
    public async Task Missing_objects_read_as_null_and_delete_is_idempotent()
    {
        Assert.Null(await Store.GetAsync(Bucket, "nope", null, CancellationToken.None));
        await Store.DeleteAsync(Bucket, "nope", CancellationToken.None);
    }

    [Fact]
    public async Task List_returns_keys_under_a_prefix_in_order()
    {
        foreach (var key in new[] { "a/x/2", "a/x/1", "a/y/1", "b/x/1" })
        {
            await Store.PutAsync(Bucket, key, [0], "application/octet-stream", CancellationToken.None);
        }
        var list = await Store.ListAsync(Bucket, "a/x/", CancellationToken.None);
        Assert.Equal(["a/x/1", "a/x/2"], list.Select(o => o.Key).Order(StringComparer.Ordinal).ToArray());
        await Store.DeleteAsync(Bucket, "a/x/1", CancellationToken.None);
        Assert.Equal(["a/x/2"], (await Store.ListAsync(Bucket, "a/x/", CancellationToken.None)).Select(o => o.Key).ToArray());
    }
}
