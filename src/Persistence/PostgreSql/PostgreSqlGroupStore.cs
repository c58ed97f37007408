using Npgsql;
using NpgsqlTypes;
using OrleansGateway.Contracts.History;
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

    public async Task<bool> CreateGroupAsync(GroupRecord group, AuditEntry? created, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand(
            "INSERT INTO og_groups (id, name, description, version, create_time, update_time, config) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
            connection, tx);
        cmd.Parameters.AddWithValue(group.Id);
        cmd.Parameters.AddWithValue(group.Name);
        cmd.Parameters.AddWithValue(group.Description);
        cmd.Parameters.AddWithValue(group.Version);
        cmd.Parameters.AddWithValue(group.CreateTime);
        cmd.Parameters.AddWithValue(group.UpdateTime);
        cmd.Parameters.AddWithValue(group.ConfigJson);
        var inserted = await cmd.ExecuteNonQueryAsync(cancellationToken) == 1;
        if (inserted && created is not null)
        {
            // A group made again under a deleted one's id starts a history of its own.
            foreach (var sql in new[] { "DELETE FROM og_audit WHERE group_id = $1", "DELETE FROM og_history WHERE group_id = $1" })
            {
                await using var delete = new NpgsqlCommand(sql, connection, tx);
                delete.Parameters.AddWithValue(group.Id);
                await delete.ExecuteNonQueryAsync(cancellationToken);
            }
            await using var audit = new NpgsqlCommand(
                "INSERT INTO og_audit (group_id, version, time, operation, kind, id, key_name, client, resources, detail) VALUES ($1, $2, $3, $4, NULL, NULL, $5, $6, $7, $8)",
                connection, tx);
            audit.Parameters.AddWithValue(group.Id);
            audit.Parameters.AddWithValue(created.Version);
            audit.Parameters.AddWithValue(created.Time);
            audit.Parameters.AddWithValue(created.Operation);
            audit.Parameters.AddWithValue(created.KeyName);
            audit.Parameters.Add(Text(created.Client));
            audit.Parameters.AddWithValue(created.Resources);
            audit.Parameters.Add(Text(created.Detail));
            await audit.ExecuteNonQueryAsync(cancellationToken);
        }
        await tx.CommitAsync(cancellationToken);
        return inserted;
    }

    public async Task<(long Total, IReadOnlyList<AuditEntry> List)> LoadAuditAsync(string group, AuditQuery query, CancellationToken cancellationToken)
    {
        var where = "group_id = @g";
        var parameters = new List<NpgsqlParameter> { new("g", group) };
        void Add(string clause, string name, object? value)
        {
            if (value is not null)
            {
                where += " AND " + clause;
                parameters.Add(new NpgsqlParameter(name, value));
            }
        }
        Add("time >= @since", "since", query.Since);
        Add("time <= @until", "until", query.Until);
        Add("kind = @kind", "kind", query.Kind is null ? null : ResourceKinds.TryParse(query.Kind, out var kind) ? (short)kind : (short)-2);
        Add("key_name = @key", "key", query.KeyName);
        Add("operation = @op", "op", query.Operation);
        Add("id = @id", "id", query.Id);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM og_audit WHERE " + where, connection);
        count.Parameters.AddRange(parameters.Select(p => p.Clone()).ToArray());
        var total = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        await using var cmd = new NpgsqlCommand(
            "SELECT version, time, operation, kind, id, key_name, client, resources, detail FROM og_audit WHERE " + where +
            " ORDER BY version DESC LIMIT @limit OFFSET @offset", connection);
        cmd.Parameters.AddRange(parameters.ToArray());
        cmd.Parameters.AddWithValue("limit", query.PageSize);
        cmd.Parameters.AddWithValue("offset", (long)(query.Page - 1) * query.PageSize);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<AuditEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new AuditEntry(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : ((ResourceKind)reader.GetInt16(3)).PathName(), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetInt32(7), reader.IsDBNull(8) ? null : reader.GetString(8)));
        }
        return (total, list);
    }

    public async Task<HistoryCoverage> LoadCoverageAsync(string group, long after, long upTo, CancellationToken cancellationToken)
    {
        await using var cmd = _dataSource.CreateCommand(
            "SELECT (SELECT min(version) FROM og_audit WHERE group_id = $1), (SELECT count(*) FROM og_audit WHERE group_id = $1 AND version > $2 AND version <= $3)");
        cmd.Parameters.AddWithValue(group);
        cmd.Parameters.AddWithValue(after);
        cmd.Parameters.AddWithValue(upTo);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new HistoryCoverage(reader.IsDBNull(0) ? null : reader.GetInt64(0), reader.GetInt64(1));
    }

    public Task<IReadOnlyList<HistoryRecord>> LoadNetChangesAsync(string group, long after, long upTo, CancellationToken cancellationToken) =>
        ReadHistoryAsync(HistorySql.NetChanges, cancellationToken, new("g", group), new("a", after), new("b", upTo));

    public Task<IReadOnlyList<HistoryRecord>> LoadConfigChangesAsync(string group, long after, CancellationToken cancellationToken) =>
        ReadHistoryAsync(HistorySql.ConfigChanges, cancellationToken, new("g", group), new("a", after));

    private async Task<IReadOnlyList<HistoryRecord>> ReadHistoryAsync(string sql, CancellationToken cancellationToken, params NpgsqlParameter[] parameters)
    {
        await using var cmd = _dataSource.CreateCommand(sql);
        cmd.Parameters.AddRange(parameters);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<HistoryRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new HistoryRecord(reader.GetInt64(0), HistoryRecord.KindOf(reader.GetInt16(1)), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }
        return list;
    }

    public async Task<int> PruneHistoryAsync(string group, long beforeVersion, long olderThan, CancellationToken cancellationToken)
    {
        long cut;
        int removed;
        await using (var cmd = _dataSource.CreateCommand("SELECT cut, removed FROM og_prune_audit($1, $2, $3)"))
        {
            cmd.Parameters.AddWithValue(group);
            cmd.Parameters.AddWithValue(beforeVersion);
            cmd.Parameters.AddWithValue(olderThan);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            (cut, removed) = (reader.GetInt64(0), reader.GetInt32(1));
        }
        // The history below the cut, a batch per statement: a commit never waits behind one large delete.
        while (cut > 0)
        {
            await using var delete = _dataSource.CreateCommand(
                "DELETE FROM og_history WHERE ctid = ANY(ARRAY(SELECT ctid FROM og_history WHERE group_id = $1 AND version < $2 LIMIT $3))");
            delete.Parameters.AddWithValue(group);
            delete.Parameters.AddWithValue(cut);
            delete.Parameters.AddWithValue(HistorySql.PruneBatch);
            if (await delete.ExecuteNonQueryAsync(cancellationToken) < HistorySql.PruneBatch)
            {
                break;
            }
        }
        return removed;
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    public async Task DeleteGroupAsync(string group, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var sql in new[] { "DELETE FROM og_resources WHERE group_id = $1", "DELETE FROM og_changes WHERE group_id = $1",
                     "DELETE FROM og_audit WHERE group_id = $1", "DELETE FROM og_history WHERE group_id = $1", "DELETE FROM og_groups WHERE id = $1" })
        {
            await using var cmd = new NpgsqlCommand(sql, connection, tx);
            cmd.Parameters.AddWithValue(group);
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>One round trip: the <c>og_commit_audited</c> function (group-store.sql) checks the version and writes the rows.</summary>
    public async Task CommitAsync(GroupCommit commit, CancellationToken cancellationToken)
    {
        await using var cmd = _dataSource.CreateCommand(
            "SELECT og_commit_audited($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, " +
            "$19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32)");
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
        var audit = commit.Audit ?? [];
        p.AddWithValue(audit.Select(a => a.Version).ToArray());
        p.AddWithValue(audit.Select(a => a.Time).ToArray());
        p.AddWithValue(audit.Select(a => a.Operation).ToArray());
        p.Add(new NpgsqlParameter { Value = audit.Select(a => a.Kind is not null && ResourceKinds.TryParse(a.Kind, out var k) ? (short?)k : null).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Smallint });
        p.Add(TextArray(audit.Select(a => a.Id)));
        p.AddWithValue(audit.Select(a => a.KeyName).ToArray());
        p.Add(TextArray(audit.Select(a => a.Client)));
        p.AddWithValue(audit.Select(a => a.Resources).ToArray());
        p.Add(TextArray(audit.Select(a => a.Detail)));
        var history = commit.History ?? [];
        p.AddWithValue(history.Select(h => h.Version).ToArray());
        p.AddWithValue(history.Select(h => h.StoredKind).ToArray());
        p.AddWithValue(history.Select(h => h.Id).ToArray());
        p.Add(TextArray(history.Select(h => h.Before)));
        p.Add(TextArray(history.Select(h => h.After)));
        if (await cmd.ExecuteScalarAsync(cancellationToken) is not true)
        {
            throw new GroupVersionConflictException(commit.Group, commit.ExpectedVersion);
        }
    }

    private static NpgsqlParameter TextArray(IEnumerable<string?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    private static GroupRecord ReadGroup(NpgsqlDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetString(6));

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
