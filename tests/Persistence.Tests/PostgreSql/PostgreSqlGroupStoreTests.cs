using Npgsql;
using OrleansGateway.Grains.Storage;
using OrleansGateway.Persistence.PostgreSql;
using OrleansGateway.TestSupport;

namespace OrleansGateway.Persistence.Tests.PostgreSql;

public sealed class PostgreSqlGroupStoreTests : GroupStoreContract
{
    private PostgresDatabase? _database;
    private PostgreSqlGroupStore? _store;

    protected override async Task<IGroupStore> CreateStoreAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        await using (var connection = new NpgsqlConnection(_database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand(PostgreSqlSchema.ReadScript("group-store.sql"), connection);
            await cmd.ExecuteNonQueryAsync();
        }
        _store = new PostgreSqlGroupStore(_database.ConnectionString);
        return _store;
    }

    protected override async Task DisposeStoreAsync()
    {
        await _store!.DisposeAsync();
        await _database!.DisposeAsync();
    }
}
