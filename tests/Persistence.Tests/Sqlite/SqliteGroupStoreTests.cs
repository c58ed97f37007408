using OrleansGateway.Grains.Storage;
using OrleansGateway.Persistence.Sqlite;
using OrleansGateway.TestSupport;

namespace OrleansGateway.Persistence.Tests.Sqlite;

public sealed class SqliteGroupStoreTests : GroupStoreContract
{
    private SqliteDatabase? _database;

    protected override Task<IGroupStore> CreateStoreAsync()
    {
        _database = new SqliteDatabase(Path.Combine(RepoPaths.TempFolder("og-sqlite"), "test.db"));
        return Task.FromResult<IGroupStore>(new SqliteGroupStore(_database));
    }

    protected override async Task DisposeStoreAsync() => await _database!.DisposeAsync();
}
