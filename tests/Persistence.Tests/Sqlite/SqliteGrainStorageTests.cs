using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansGateway.Persistence.Sqlite;
using OrleansGateway.TestSupport;

namespace OrleansGateway.Persistence.Tests.Sqlite;

public sealed class SqliteGrainStorageTests : IAsyncLifetime
{
    private SqliteDatabase _database = null!;
    private SqliteGrainStorage _storage = null!;
    private readonly GrainId _grain = GrainId.Create("test", "one");

    public Task InitializeAsync()
    {
        _database = new SqliteDatabase(Path.Combine(RepoPaths.TempFolder("og-gs"), "state.db"));
        var serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();
        _storage = new SqliteGrainStorage("store", _database, serializer);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private static GrainState<List<string>> State(params string[] items) => new(items.ToList());

    [Fact]
    public async Task Missing_state_reads_as_empty_without_etag()
    {
        var state = State();
        await _storage.ReadStateAsync("s", _grain, state);
        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Empty(state.State!);
    }

    [Fact]
    public async Task Written_state_reads_back_with_a_new_etag_each_write()
    {
        var state = State("a");
        await _storage.WriteStateAsync("s", _grain, state);
        var first = state.ETag;
        state.State!.Add("b");
        await _storage.WriteStateAsync("s", _grain, state);
        Assert.NotEqual(first, state.ETag);

        var read = State();
        await _storage.ReadStateAsync("s", _grain, read);
        Assert.True(read.RecordExists);
        Assert.Equal(["a", "b"], read.State);
        Assert.Equal(state.ETag, read.ETag);
    }

    [Fact]
    public async Task Stale_etag_write_and_clear_are_refused()
    {
        var writer1 = State("a");
        await _storage.WriteStateAsync("s", _grain, writer1);
        var writer2 = State();
        await _storage.ReadStateAsync("s", _grain, writer2);
        writer2.State!.Add("from 2");
        await _storage.WriteStateAsync("s", _grain, writer2);

        writer1.State!.Add("from 1");
        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("s", _grain, writer1));
        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.ClearStateAsync("s", _grain, writer1));
        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("s", _grain, State("new record over existing")));

        await _storage.ClearStateAsync("s", _grain, writer2);
        var read = State();
        await _storage.ReadStateAsync("s", _grain, read);
        Assert.False(read.RecordExists);
    }
}
