using OrleansGateway.Contracts.Resources;
using OrleansGateway.Grains.Storage;

namespace OrleansGateway.Persistence.Tests;

/// <summary>What every <see cref="IGroupStore"/> must do; run against SQLite and PostgreSQL.</summary>
public abstract class GroupStoreContract : IAsyncLifetime
{
    protected IGroupStore Store { get; private set; } = null!;

    protected abstract Task<IGroupStore> CreateStoreAsync();

    protected virtual Task DisposeStoreAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        Store = await CreateStoreAsync();
        await Store.InitializeAsync(CancellationToken.None);
        await Store.InitializeAsync(CancellationToken.None); // idempotent
    }

    public Task DisposeAsync() => DisposeStoreAsync();

    private static StoredResource Route(string id, long created, long modified) =>
        new(ResourceKind.Route, id, $$"""{"id":"{{id}}","uri":"/{{id}}"}""", created, modified);

    private static GroupCommit Commit(string group, long from, IReadOnlyList<StoredResource> upserts, IReadOnlyList<ResourceKey>? deletes = null, bool replaceAll = false, long prune = 0) =>
        new(group, from, from + 1, 100 + from, upserts, deletes ?? [],
            [.. upserts.Select(u => new ChangeRecord(from + 1, ChangeKind.Upsert, u.Kind, u.Id)),
             .. (deletes ?? []).Select(d => new ChangeRecord(from + 1, ChangeKind.Delete, d.Kind, d.Id))],
            replaceAll, null, prune);

    [Fact]
    public async Task Create_group_once_then_refuse_a_second_time()
    {
        Assert.True(await Store.CreateGroupAsync(new GroupRecord("g", "G", "d", 0, 1, 1, "{}"), CancellationToken.None));
        Assert.False(await Store.CreateGroupAsync(new GroupRecord("g", "other", "", 0, 2, 2, "{}"), CancellationToken.None));
        var loaded = await Store.LoadGroupAsync("g", CancellationToken.None);
        Assert.Equal("G", loaded!.Name);
        Assert.Null(await Store.LoadGroupAsync("missing", CancellationToken.None));
    }

    [Fact]
    public async Task Commits_write_rows_versions_and_the_change_log()
    {
        await Store.CreateGroupAsync(new GroupRecord("g", "g", "", 0, 1, 1, "{}"), CancellationToken.None);
        await Store.CommitAsync(Commit("g", 0, [Route("a", 1, 1)]), CancellationToken.None);
        await Store.CommitAsync(Commit("g", 1, [Route("b", 2, 2)]), CancellationToken.None);
        await Store.CommitAsync(Commit("g", 2, [Route("a", 1, 3)]), CancellationToken.None);
        await Store.CommitAsync(Commit("g", 3, [], [new ResourceKey(ResourceKind.Route, "b")]), CancellationToken.None);

        Assert.Equal(4, (await Store.LoadGroupAsync("g", CancellationToken.None))!.Version);
        var rows = await Store.LoadResourcesAsync("g", CancellationToken.None);
        var a = Assert.Single(rows);
        Assert.Equal(("a", 1L, 3L), (a.Id, a.CreatedIndex, a.ModifiedIndex));
        var changes = await Store.LoadRecentChangesAsync("g", 10, CancellationToken.None);
        Assert.Equal([1L, 2, 3, 4], changes.Select(c => c.Version).ToArray());
        Assert.Equal(ChangeKind.Delete, changes[^1].Change);
        var newest = await Store.LoadRecentChangesAsync("g", 2, CancellationToken.None);
        Assert.Equal([3L, 4], newest.Select(c => c.Version).ToArray());
    }

    [Fact]
    public async Task A_commit_from_a_stale_version_is_refused_and_writes_nothing()
    {
        await Store.CreateGroupAsync(new GroupRecord("g", "g", "", 0, 1, 1, "{}"), CancellationToken.None);
        await Store.CommitAsync(Commit("g", 0, [Route("a", 1, 1)]), CancellationToken.None);
        await Assert.ThrowsAsync<GroupVersionConflictException>(() => Store.CommitAsync(Commit("g", 0, [Route("x", 1, 1)]), CancellationToken.None));
        var rows = await Store.LoadResourcesAsync("g", CancellationToken.None);
        Assert.Equal("a", Assert.Single(rows).Id);
        Assert.Single(await Store.LoadRecentChangesAsync("g", 10, CancellationToken.None));
    }

    [Fact]
    public async Task Replace_all_drops_previous_rows_and_prune_drops_old_changes()
    {
        await Store.CreateGroupAsync(new GroupRecord("g", "g", "", 0, 1, 1, "{}"), CancellationToken.None);
        await Store.CommitAsync(Commit("g", 0, [Route("a", 1, 1), Route("b", 1, 1)]), CancellationToken.None);
        await Store.CommitAsync(Commit("g", 1, [Route("c", 2, 2)], replaceAll: true, prune: 2), CancellationToken.None);
        Assert.Equal("c", Assert.Single(await Store.LoadResourcesAsync("g", CancellationToken.None)).Id);
        Assert.All(await Store.LoadRecentChangesAsync("g", 10, CancellationToken.None), c => Assert.Equal(2, c.Version));
    }

    [Fact]
    public async Task Groups_are_isolated_and_deleting_one_removes_its_rows()
    {
        foreach (var g in new[] { "g1", "g2" })
        {
            await Store.CreateGroupAsync(new GroupRecord(g, g, "", 0, 1, 1, "{}"), CancellationToken.None);
            await Store.CommitAsync(Commit(g, 0, [Route("a", 1, 1)]), CancellationToken.None);
        }
        await Store.DeleteGroupAsync("g1", CancellationToken.None);
        Assert.Null(await Store.LoadGroupAsync("g1", CancellationToken.None));
        Assert.Empty(await Store.LoadResourcesAsync("g1", CancellationToken.None));
        Assert.Single(await Store.LoadResourcesAsync("g2", CancellationToken.None));
        Assert.Equal(["g2"], (await Store.ListGroupsAsync(CancellationToken.None)).Select(g => g.Id).ToArray());
    }

    [Fact]
    public async Task Config_is_stored_with_the_version_and_kept_when_not_given()
    {
        await Store.CreateGroupAsync(new GroupRecord("g", "g", "", 0, 1, 1, "{}"), CancellationToken.None);
        await Store.CommitAsync(new GroupCommit("g", 0, 1, 5, [], [], [new ChangeRecord(1, ChangeKind.Config, ResourceKind.Route, "")], false, """{"keyring":{}}"""), CancellationToken.None);
        await Store.CommitAsync(Commit("g", 1, [Route("a", 2, 2)]), CancellationToken.None);
        Assert.Equal("""{"keyring":{}}""", (await Store.LoadGroupAsync("g", CancellationToken.None))!.ConfigJson);
    }
}
