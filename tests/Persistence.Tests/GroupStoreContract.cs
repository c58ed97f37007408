using OrleansGateway.Contracts.History;
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
        Assert.True(await Store.CreateGroupAsync(new GroupRecord("g", "G", "d", 0, 1, 1, "{}"), null, CancellationToken.None));
        Assert.False(await Store.CreateGroupAsync(new GroupRecord("g", "other", "", 0, 2, 2, "{}"), null, CancellationToken.None));
        var loaded = await Store.LoadGroupAsync("g", CancellationToken.None);
        Assert.Equal("G", loaded!.Name);
        Assert.Null(await Store.LoadGroupAsync("missing", CancellationToken.None));
    }

    [Fact]
    public async Task Commits_write_rows_versions_and_the_change_log()
    {
        await Store.CreateGroupAsync(new GroupRecord("g", "g", "", 0, 1, 1, "{}"), null, CancellationToken.None);
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
        await Store.CreateGroupAsync(new GroupRecord("g", "g", "", 0, 1, 1, "{}"), null, CancellationToken.None);
        await Store.CommitAsync(Commit("g", 0, [Route("a", 1, 1)]), CancellationToken.None);
        await Assert.ThrowsAsync<GroupVersionConflictException>(() => Store.CommitAsync(Commit("g", 0, [Route("x", 1, 1)]), CancellationToken.None));
        var rows = await Store.LoadResourcesAsync("g", CancellationToken.None);
        Assert.Equal("a", Assert.Single(rows).Id);
        Assert.Single(await Store.LoadRecentChangesAsync("g", 10, CancellationToken.None));
    }

    [Fact]
    public async Task Replace_all_drops_previous_rows_and_prune_drops_old_changes()
    {
        await Store.CreateGroupAsync(new GroupRecord("g", "g", "", 0, 1, 1, "{}"), null, CancellationToken.None);
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
            await Store.CreateGroupAsync(new GroupRecord(g, g, "", 0, 1, 1, "{}"), null, CancellationToken.None);
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
        await Store.CreateGroupAsync(new GroupRecord("g", "g", "", 0, 1, 1, "{}"), null, CancellationToken.None);
        await Store.CommitAsync(new GroupCommit("g", 0, 1, 5, [], [], [new ChangeRecord(1, ChangeKind.Config, ResourceKind.Route, "")], false, """{"keyring":{}}"""), CancellationToken.None);
        await Store.CommitAsync(Commit("g", 1, [Route("a", 2, 2)]), CancellationToken.None);
        Assert.Equal("""{"keyring":{}}""", (await Store.LoadGroupAsync("g", CancellationToken.None))!.ConfigJson);
    }

    /// <summary>A commit moving <paramref name="from"/> to the next version by <paramref name="who"/>, with history rows.</summary>
    private static GroupCommit Audited(string group, long from, string who, long time, StoredResource? upsert, ResourceKey? delete = null, string? before = null)
    {
        var version = from + 1;
        var key = upsert is not null ? new ResourceKey(upsert.Kind, upsert.Id) : delete!.Value;
        var audit = new AuditEntry(version, time, upsert is null ? "delete" : "update", key.Kind.PathName(), key.Id, who, "127.0.0.1", 1);
        return new GroupCommit(group, from, version, time / 1000, upsert is null ? [] : [upsert], delete is { } d ? [d] : [],
            [new ChangeRecord(version, upsert is null ? ChangeKind.Delete : ChangeKind.Upsert, key.Kind, key.Id)], false, null, 0,
            [audit], [new HistoryRecord(version, key.Kind, key.Id, before, upsert?.Json)]);
    }

    [Fact]
    public async Task The_audit_log_is_written_with_the_commit_filtered_and_paged_newest_first()
    {
        var created = new AuditEntry(0, 1000, "create_group", null, null, "system", null, 0);
        Assert.True(await Store.CreateGroupAsync(new GroupRecord("g", "g", "", 0, 1, 1, "{}"), created, CancellationToken.None));
        await Store.CommitAsync(Audited("g", 0, "alice", 2000, Route("a", 1, 1)), CancellationToken.None);
        await Store.CommitAsync(Audited("g", 1, "bob", 3000, Route("b", 2, 2)), CancellationToken.None);
        await Store.CommitAsync(Audited("g", 2, "alice", 4000, null, new ResourceKey(ResourceKind.Route, "a"), before: Route("a", 1, 1).Json), CancellationToken.None);
        // A refused commit leaves no audit entry.
        await Assert.ThrowsAsync<GroupVersionConflictException>(() => Store.CommitAsync(Audited("g", 0, "mallory", 5000, Route("x", 1, 1)), CancellationToken.None));

        var (total, list) = await Store.LoadAuditAsync("g", new AuditQuery(), CancellationToken.None);
        Assert.Equal(4, total);
        Assert.Equal([3L, 2, 1, 0], list.Select(e => e.Version).ToArray());
        Assert.Equal(("delete", "routes", "a", "alice", "127.0.0.1", 4000L), (list[0].Operation, list[0].Kind, list[0].Id, list[0].KeyName, list[0].Client, list[0].Time));
        Assert.Equal(("system", null, null), (list[3].KeyName, list[3].Kind, list[3].Client));

        Assert.Equal(2, (await Store.LoadAuditAsync("g", new AuditQuery(KeyName: "alice"), CancellationToken.None)).Total);
        Assert.Equal(3, (await Store.LoadAuditAsync("g", new AuditQuery(Kind: "routes"), CancellationToken.None)).Total);
        Assert.Equal(0, (await Store.LoadAuditAsync("g", new AuditQuery(Kind: "upstreams"), CancellationToken.None)).Total);
        Assert.Equal(2, (await Store.LoadAuditAsync("g", new AuditQuery(Id: "a"), CancellationToken.None)).Total);
        Assert.Equal(1, (await Store.LoadAuditAsync("g", new AuditQuery(Operation: "delete"), CancellationToken.None)).Total);
        var window = await Store.LoadAuditAsync("g", new AuditQuery(Since: 2000, Until: 3000), CancellationToken.None);
        Assert.Equal([2L, 1], window.List.Select(e => e.Version).ToArray());
        var page = await Store.LoadAuditAsync("g", new AuditQuery(Page: 2, PageSize: 3), CancellationToken.None);
        Assert.Equal(4L, page.Total);
        Assert.Equal(0L, Assert.Single(page.List).Version);

        var coverage = await Store.LoadCoverageAsync("g", 1, 3, CancellationToken.None);
        Assert.Equal((0L, 2L), (coverage.Oldest, coverage.Audited));
    }

    [Fact]
    public async Task Net_changes_give_each_resource_before_its_first_change_and_after_its_last()
    {
        await Store.CreateGroupAsync(new GroupRecord("g", "g", "", 0, 1, 1, "{}"), null, CancellationToken.None);
        await Store.CommitAsync(Audited("g", 0, "a", 1, Route("x", 1, 1)), CancellationToken.None);
        await Store.CommitAsync(Audited("g", 1, "a", 2, Route("x", 1, 2) with { Json = """{"id":"x","uri":"/two"}""" }, before: Route("x", 1, 1).Json), CancellationToken.None);
        await Store.CommitAsync(Audited("g", 2, "a", 3, Route("y", 3, 3)), CancellationToken.None);
        await Store.CommitAsync(Audited("g", 3, "a", 4, Route("x", 1, 4) with { Json = """{"id":"x","uri":"/four"}""" }, before: """{"id":"x","uri":"/two"}"""), CancellationToken.None);
        var config = new GroupCommit("g", 4, 5, 5, [], [], [new ChangeRecord(5, ChangeKind.Config, ResourceKind.Route, "")], false, """{"b":1}""", 0,
            [new AuditEntry(5, 5, "config", null, null, "a", null, 0)], [new HistoryRecord(5, null, "", "{}", """{"b":1}""")]);
        await Store.CommitAsync(config, CancellationToken.None);

        var net = await Store.LoadNetChangesAsync("g", 1, 5, CancellationToken.None);
        var x = net.Single(h => h.Id == "x");
        Assert.Equal((4L, ResourceKind.Route, """{"id":"x","uri":"/x"}""", """{"id":"x","uri":"/four"}"""), (x.Version, x.Kind!.Value, x.Before, x.After));
        var y = net.Single(h => h.Id == "y");
        Assert.Equal((null, Route("y", 3, 3).Json), (y.Before, y.After));
        var c = net.Single(h => h.Kind is null);
        Assert.Equal(("{}", """{"b":1}"""), (c.Before, c.After));
        Assert.Equal(3, net.Count);
        var configChanges = await Store.LoadConfigChangesAsync("g", 0, CancellationToken.None);
        Assert.Equal(5L, Assert.Single(configChanges).Version);
        Assert.Empty(await Store.LoadConfigChangesAsync("g", 5, CancellationToken.None));
    }

    [Fact]
    public async Task History_is_pruned_by_version_count_and_by_age_and_goes_with_the_group()
    {
        await Store.CreateGroupAsync(new GroupRecord("g", "g", "", 0, 1, 1, "{}"), null, CancellationToken.None);
        for (var v = 0L; v < 10; v++)
        {
            // Version v+1 written at (v+1) * 1000 ms.
            await Store.CommitAsync(Audited("g", v, "a", (v + 1) * 1000, Route("r", 1, v + 1)), CancellationToken.None);
        }
        Assert.Equal(3, await Store.PruneHistoryAsync("g", 4, 0, CancellationToken.None));
        Assert.Equal((4L, 7L), ((await Store.LoadCoverageAsync("g", 3, 10, CancellationToken.None)).Oldest!.Value, (await Store.LoadCoverageAsync("g", 3, 10, CancellationToken.None)).Audited));
        Assert.Empty(await Store.LoadNetChangesAsync("g", 0, 3, CancellationToken.None));

        // By age: everything written before 6,500 ms goes (versions 4 to 6).
        Assert.Equal(3, await Store.PruneHistoryAsync("g", 0, 6500, CancellationToken.None));
        Assert.Equal(7, (await Store.LoadCoverageAsync("g", 0, 10, CancellationToken.None)).Oldest);
        Assert.Equal(0, await Store.PruneHistoryAsync("g", 5, 0, CancellationToken.None));
        Assert.Equal(2, await Store.PruneHistoryAsync("g", 9, 0, CancellationToken.None));
        Assert.Equal(9, (await Store.LoadCoverageAsync("g", 0, 10, CancellationToken.None)).Oldest);

        await Store.DeleteGroupAsync("g", CancellationToken.None);
        Assert.Null((await Store.LoadCoverageAsync("g", 0, 10, CancellationToken.None)).Oldest);
        Assert.Equal(0, (await Store.LoadAuditAsync("g", new AuditQuery(), CancellationToken.None)).Total);
        Assert.Empty(await Store.LoadNetChangesAsync("g", 0, 10, CancellationToken.None));
    }
}
