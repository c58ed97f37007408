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

    /// <summary>One round trip: the <c>og_commit</c> function (group-store.sql) checks the version and writes the rows.</summary>
    public async Task CommitAsync(GroupCommit commit, CancellationToken cancellationToken)
    {
        await using var cmd = _dataSource.CreateCommand(
            "SELECT og_commit($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)");
        var p = cmd.Parameters;
        p.AddWithValue(commit.Group);
        p.AddWithValue(commit.ExpectedVersion);
        p.AddWithValue(commit.NewVersion);
        p.AddWithValue(commit.UpdateTime);
        p.Add(new NpgsqlParameter { Value = (object?)commit.ConfigJson ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        p.AddWithValue(commit.ReplaceAll);
        p.AddWithValue(commit.PruneChangesBefore);
        p.AddWithValue(commit.Upserts.Select(u => (short)u.Kind).ToArray());
        p.AddWithValue(commit.Upserts.Select(u => u.Id).ToArray());
        p.AddWithValue(commit.Upserts.Select(u => u.Json).ToArray());
        p.AddWithValue(commit.Upserts.Select(u => u.CreatedIndex).ToArray());
        p.AddWithValue(commit.Upserts.Select(u => u.ModifiedIndex).ToArray());
        p.AddWithValue(commit.Deletes.Select(d => (short)d.Kind).ToArray());
        p.AddWithValue(commit.Deletes.Select(d => d.Id).ToArray());
        p.AddWithValue(commit.Changes.Select(c => c.Version).ToArray());
        p.AddWithValue(commit.Changes.Select(c => (short)c.Change).ToArray());
        p.AddWithValue(commit.Changes.Select(c => (short)c.Kind).ToArray());
        p.AddWithValue(commit.Changes.Select(c => c.Id).ToArray());
        if (await cmd.ExecuteScalarAsync(cancellationToken) is not true)
        {
            throw new GroupVersionConflictException(commit.Group, commit.ExpectedVersion);
        }
    }

    private static GroupRecord ReadGroup(NpgsqlDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetString(6));

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
