using Npgsql;
using NpgsqlTypes;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Grains.Storage;

namespace OrleansGateway.Persistence.PostgreSql;

/// <summary>
/// The row-per-resource group store on PostgreSQL (cluster mode). A commit is one transaction whose first statement
/// moves the group row from the expected version to the new one: a concurrent writer (a duplicate activation during
/// a membership change) finds zero rows updated and gets <see cref="GroupVersionConflictException"/>.
/// </summary>
public sealed class PostgreSqlGroupStore(string connectionString) : IGroupStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(connectionString);

    public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask; // PostgreSqlSchema applies group-store.sql

    public async Task<GroupRecord?> LoadGroupAsync(string group, CancellationToken cancellationToken)
    {
        await using var cmd = _dataSource.CreateCommand("SELECT id, name, description, version, create_time, update_time, config FROM og_groups WHERE id = $1");
        cmd.Parameters.AddWithValue(group);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadGroup(reader) : null;
    }

    public async Task<IReadOnlyList<GroupRecord>> ListGroupsAsync(CancellationToken cancellationToken)
    {
        await using var cmd = _dataSource.CreateCommand("SELECT id, name, description, version, create_time, update_time, config FROM og_groups ORDER BY id");
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<GroupRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(ReadGroup(reader));
        }
        return list;
    }

    public async Task<IReadOnlyList<StoredResource>> LoadResourcesAsync(string group, CancellationToken cancellationToken)
    {
        await using var cmd = _dataSource.CreateCommand("SELECT kind, id, value, created_index, modified_index FROM og_resources WHERE group_id = $1");
        cmd.Parameters.AddWithValue(group);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<StoredResource>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new StoredResource((ResourceKind)reader.GetInt16(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4)));
        }
        return list;
    }

    public async Task<IReadOnlyList<ChangeRecord>> LoadRecentChangesAsync(string group, int limit, CancellationToken cancellationToken)
    {
        await using var cmd = _dataSource.CreateCommand("SELECT version, change, kind, id FROM og_changes WHERE group_id = $1 ORDER BY version DESC LIMIT $2");
        cmd.Parameters.AddWithValue(group);
        cmd.Parameters.AddWithValue(limit);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<ChangeRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new ChangeRecord(reader.GetInt64(0), (ChangeKind)reader.GetInt16(1), (ResourceKind)reader.GetInt16(2), reader.GetString(3)));
        }
        list.Reverse();
        return list;
    }

    public async Task<bool> CreateGroupAsync(GroupRecord group, CancellationToken cancellationToken)
    {
        await using var cmd = _dataSource.CreateCommand(
            "INSERT INTO og_groups (id, name, description, version, create_time, update_time, config) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING");
        cmd.Parameters.AddWithValue(group.Id);
        cmd.Parameters.AddWithValue(group.Name);
        cmd.Parameters.AddWithValue(group.Description);
        cmd.Parameters.AddWithValue(group.Version);
        cmd.Parameters.AddWithValue(group.CreateTime);
        cmd.Parameters.AddWithValue(group.UpdateTime);
        cmd.Parameters.AddWithValue(group.ConfigJson);
        return await cmd.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task DeleteGroupAsync(string group, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var sql in new[] { "DELETE FROM og_resources WHERE group_id = $1", "DELETE FROM og_changes WHERE group_id = $1", "DELETE FROM og_groups WHERE id = $1" })
        {
            await using var cmd = new NpgsqlCommand(sql, connection, tx);
            cmd.Parameters.AddWithValue(group);
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
        await tx.CommitAsync(cancellationToken);
    }

    public async Task CommitAsync(GroupCommit commit, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var batch = new NpgsqlBatch(connection, tx);
        await using (batch)
        {
            batch.BatchCommands.Add(Command(
                "UPDATE og_groups SET version = $1, update_time = $2, config = COALESCE($3, config) WHERE id = $4 AND version = $5",
                commit.NewVersion, commit.UpdateTime, (object?)commit.ConfigJson ?? DBNull.Value, commit.Group, commit.ExpectedVersion));
            if (commit.ReplaceAll)
            {
                batch.BatchCommands.Add(Command("DELETE FROM og_resources WHERE group_id = $1", commit.Group));
            }
            AddRows(batch, commit);
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            await reader.CloseAsync();
            if (batch.BatchCommands[0].RecordsAffected != 1)
            {
                await tx.RollbackAsync(cancellationToken);
                throw new GroupVersionConflictException(commit.Group, commit.ExpectedVersion);
            }
        }
        await tx.CommitAsync(cancellationToken);
    }

    private static void AddRows(NpgsqlBatch batch, GroupCommit commit)
    {
        foreach (var r in commit.Upserts)
        {
            batch.BatchCommands.Add(Command(
                "INSERT INTO og_resources (group_id, kind, id, value, created_index, modified_index) VALUES ($1, $2, $3, $4, $5, $6) " +
                "ON CONFLICT (group_id, kind, id) DO UPDATE SET value = EXCLUDED.value, created_index = EXCLUDED.created_index, modified_index = EXCLUDED.modified_index",
                commit.Group, (short)r.Kind, r.Id, r.Json, r.CreatedIndex, r.ModifiedIndex));
        }
        foreach (var key in commit.Deletes)
        {
            batch.BatchCommands.Add(Command("DELETE FROM og_resources WHERE group_id = $1 AND kind = $2 AND id = $3", commit.Group, (short)key.Kind, key.Id));
        }
        foreach (var change in commit.Changes)
        {
            batch.BatchCommands.Add(Command(
                "INSERT INTO og_changes (group_id, version, change, kind, id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                commit.Group, change.Version, (short)change.Change, (short)change.Kind, change.Id));
        }
        if (commit.PruneChangesBefore > 0)
        {
            batch.BatchCommands.Add(Command("DELETE FROM og_changes WHERE group_id = $1 AND version < $2", commit.Group, commit.PruneChangesBefore));
        }
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value is DBNull ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text } : new NpgsqlParameter { Value = value });
        }
        return command;
    }

    private static GroupRecord ReadGroup(NpgsqlDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetString(6));

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
