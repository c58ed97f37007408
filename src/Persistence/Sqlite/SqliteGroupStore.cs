using Microsoft.Data.Sqlite;
using OrleansGateway.Contracts.History;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Grains.Storage;

namespace OrleansGateway.Persistence.Sqlite;

/// <summary>The row-per-resource group store on the embedded SQLite file.</summary>
public sealed class SqliteGroupStore(SqliteDatabase database) : IGroupStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS og_groups (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL, version INTEGER NOT NULL,
            create_time INTEGER NOT NULL, update_time INTEGER NOT NULL, config TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS og_resources (
            group_id TEXT NOT NULL, kind INTEGER NOT NULL, id TEXT NOT NULL, value TEXT NOT NULL,
            created_index INTEGER NOT NULL, modified_index INTEGER NOT NULL,
            PRIMARY KEY (group_id, kind, id)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS og_changes (
            group_id TEXT NOT NULL, version INTEGER NOT NULL, change INTEGER NOT NULL, kind INTEGER NOT NULL, id TEXT NOT NULL,
            PRIMARY KEY (group_id, version, change, kind, id)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS og_audit (
            group_id TEXT NOT NULL, version INTEGER NOT NULL, time INTEGER NOT NULL, operation TEXT NOT NULL,
            kind INTEGER NULL, id TEXT NULL, key_name TEXT NOT NULL, client TEXT NULL, resources INTEGER NOT NULL,
            detail TEXT NULL,
            PRIMARY KEY (group_id, version)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS og_audit_time ON og_audit (group_id, time);
        -- A rowid table (not WITHOUT ROWID): its rows carry whole resources, larger than SQLite advises for a
        -- WITHOUT ROWID b-tree, and are appended in version order.
        CREATE TABLE IF NOT EXISTS og_history (
            group_id TEXT NOT NULL, version INTEGER NOT NULL, kind INTEGER NOT NULL, id TEXT NOT NULL,
            before TEXT NULL, after TEXT NULL,
            PRIMARY KEY (group_id, version, kind, id));
        """;

    public Task InitializeAsync(CancellationToken cancellationToken) =>
        database.RunAsync(c => Exec(c, null, Schema), cancellationToken);

    public Task<GroupRecord?> LoadGroupAsync(string group, CancellationToken cancellationToken) =>
        database.RunAsync(c =>
        {
            using var cmd = Command(c, null, "SELECT id, name, description, version, create_time, update_time, config FROM og_groups WHERE id = $g", ("$g", group));
            using var reader = cmd.ExecuteReader();
            return reader.Read() ? ReadGroup(reader) : null;
        }, cancellationToken);

    public Task<IReadOnlyList<GroupRecord>> ListGroupsAsync(CancellationToken cancellationToken) =>
        database.RunAsync<IReadOnlyList<GroupRecord>>(c =>
        {
            using var cmd = Command(c, null, "SELECT id, name, description, version, create_time, update_time, config FROM og_groups ORDER BY id");
            using var reader = cmd.ExecuteReader();
            var list = new List<GroupRecord>();
            while (reader.Read())
            {
                list.Add(ReadGroup(reader));
            }
            return list;
        }, cancellationToken);

    public Task<IReadOnlyList<StoredResource>> LoadResourcesAsync(string group, CancellationToken cancellationToken) =>
        database.RunAsync<IReadOnlyList<StoredResource>>(c =>
        {
            using var cmd = Command(c, null, "SELECT kind, id, value, created_index, modified_index FROM og_resources WHERE group_id = $g", ("$g", group));
            using var reader = cmd.ExecuteReader();
            var list = new List<StoredResource>();
            while (reader.Read())
            {
                list.Add(new StoredResource((ResourceKind)reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4)));
            }
            return list;
        }, cancellationToken);

    public Task<IReadOnlyList<ChangeRecord>> LoadRecentChangesAsync(string group, int limit, CancellationToken cancellationToken) =>
        database.RunAsync<IReadOnlyList<ChangeRecord>>(c =>
        {
            using var cmd = Command(c, null,
                "SELECT version, change, kind, id FROM og_changes WHERE group_id = $g ORDER BY version DESC LIMIT $n",
                ("$g", group), ("$n", limit));
            using var reader = cmd.ExecuteReader();
            var list = new List<ChangeRecord>();
            while (reader.Read())
            {
                list.Add(new ChangeRecord(reader.GetInt64(0), (ChangeKind)reader.GetInt32(1), (ResourceKind)reader.GetInt32(2), reader.GetString(3)));
            }
            list.Reverse();
            return list;
        }, cancellationToken);

    public Task<bool> CreateGroupAsync(GroupRecord group, AuditEntry? created, CancellationToken cancellationToken) =>
        database.RunAsync(c =>
        {
            using var tx = c.BeginTransaction();
            var inserted = Exec(c, tx,
                "INSERT INTO og_groups (id, name, description, version, create_time, update_time, config) VALUES ($id, $n, $d, $v, $c, $u, $cfg) ON CONFLICT (id) DO NOTHING",
                ("$id", group.Id), ("$n", group.Name), ("$d", group.Description), ("$v", group.Version),
                ("$c", group.CreateTime), ("$u", group.UpdateTime), ("$cfg", group.ConfigJson)) == 1;
            if (inserted && created is not null)
            {
                // A group made again under a deleted one's id starts a history of its own.
                Exec(c, tx, "DELETE FROM og_audit WHERE group_id = $g", ("$g", group.Id));
                Exec(c, tx, "DELETE FROM og_history WHERE group_id = $g", ("$g", group.Id));
                WriteAudit(c, tx, group.Id, [created]);
            }
            tx.Commit();
            return inserted;
        }, cancellationToken);

    public Task<(long Total, IReadOnlyList<AuditEntry> List)> LoadAuditAsync(string group, AuditQuery query, CancellationToken cancellationToken) =>
        database.RunAsync<(long, IReadOnlyList<AuditEntry>)>(c =>
        {
            var (where, parameters) = AuditFilter(group, query);
            using var count = Command(c, null, "SELECT count(*) FROM og_audit WHERE " + where, parameters);
            var total = (long)count.ExecuteScalar()!;
            using var cmd = Command(c, null,
                "SELECT version, time, operation, kind, id, key_name, client, resources, detail FROM og_audit WHERE " + where +
                " ORDER BY version DESC LIMIT $limit OFFSET $offset",
                [.. parameters, ("$limit", query.PageSize), ("$offset", (long)(query.Page - 1) * query.PageSize)]);
            using var reader = cmd.ExecuteReader();
            var list = new List<AuditEntry>();
            while (reader.Read())
            {
                list.Add(new AuditEntry(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2),
                    reader.IsDBNull(3) ? null : ((ResourceKind)reader.GetInt32(3)).PathName(), reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetInt32(7), reader.IsDBNull(8) ? null : reader.GetString(8)));
            }
            return (total, list);
        }, cancellationToken);

    /// <summary>The WHERE clause of an audit query (SQLite parameters).</summary>
    private static (string Where, (string, object)[] Parameters) AuditFilter(string group, AuditQuery query)
    {
        var where = "group_id = $g";
        var parameters = new List<(string, object)> { ("$g", group) };
        void Add(string clause, string name, object? value)
        {
            if (value is not null)
            {
                where += " AND " + clause;
                parameters.Add((name, value));
            }
        }
        Add("time >= $since", "$since", query.Since);
        Add("time <= $until", "$until", query.Until);
        Add("kind = $kind", "$kind", query.Kind is not null && ResourceKinds.TryParse(query.Kind, out var kind) ? (int)kind : query.Kind is null ? null : -2);
        Add("key_name = $key", "$key", query.KeyName);
        Add("operation = $op", "$op", query.Operation);
        Add("id = $id", "$id", query.Id);
        return (where, parameters.ToArray());
    }

    public Task<HistoryCoverage> LoadCoverageAsync(string group, long after, long upTo, CancellationToken cancellationToken) =>
        database.RunAsync(c =>
        {
            using var cmd = Command(c, null,
                "SELECT (SELECT min(version) FROM og_audit WHERE group_id = $g), (SELECT count(*) FROM og_audit WHERE group_id = $g AND version > $a AND version <= $b)",
                ("$g", group), ("$a", after), ("$b", upTo));
            using var reader = cmd.ExecuteReader();
            reader.Read();
            return new HistoryCoverage(reader.IsDBNull(0) ? null : reader.GetInt64(0), reader.GetInt64(1));
        }, cancellationToken);

    public Task<IReadOnlyList<HistoryRecord>> LoadNetChangesAsync(string group, long after, long upTo, CancellationToken cancellationToken) =>
        database.RunAsync(c => ReadHistory(Command(c, null, HistorySql.NetChanges.Replace("@", "$"), ("$g", group), ("$a", after), ("$b", upTo))), cancellationToken);

    public Task<IReadOnlyList<HistoryRecord>> LoadConfigChangesAsync(string group, long after, CancellationToken cancellationToken) =>
        database.RunAsync(c => ReadHistory(Command(c, null, HistorySql.ConfigChanges.Replace("@", "$"), ("$g", group), ("$a", after))), cancellationToken);

    private static IReadOnlyList<HistoryRecord> ReadHistory(SqliteCommand cmd)
    {
        using (cmd)
        {
            using var reader = cmd.ExecuteReader();
            var list = new List<HistoryRecord>();
            while (reader.Read())
            {
                list.Add(new HistoryRecord(reader.GetInt64(0), HistoryRecord.KindOf(reader.GetInt64(1)), reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
            }
            return list;
        }
    }

    public async Task<int> PruneHistoryAsync(string group, long beforeVersion, long olderThan, CancellationToken cancellationToken)
    {
        var (cut, removed) = await database.RunAsync(c =>
        {
            using var tx = c.BeginTransaction();
            using var aged = Command(c, tx, "SELECT max(version) FROM og_audit WHERE group_id = $g AND time < $t", ("$g", group), ("$t", olderThan));
            var cut = Math.Max(beforeVersion, olderThan > 0 && aged.ExecuteScalar() is long v ? v + 1 : 0);
            var removed = cut > 0 ? Exec(c, tx, "DELETE FROM og_audit WHERE group_id = $g AND version < $v", ("$g", group), ("$v", cut)) : 0;
            tx.Commit();
            return (cut, removed);
        }, cancellationToken);
        // The history below the cut, a batch per transaction: commits run in between, never behind one large delete.
        while (cut > 0 && await database.RunAsync(c => Exec(c, null,
            "DELETE FROM og_history WHERE (group_id, version, kind, id) IN " +
            "(SELECT group_id, version, kind, id FROM og_history WHERE group_id = $g AND version < $v LIMIT $n)",
            ("$g", group), ("$v", cut), ("$n", HistorySql.PruneBatch)), cancellationToken) == HistorySql.PruneBatch)
        {
        }
        return removed;
    }

    private static void WriteAudit(SqliteConnection c, SqliteTransaction tx, string group, IEnumerable<AuditEntry> entries)
    {
        foreach (var a in entries)
        {
            Exec(c, tx,
                "INSERT OR REPLACE INTO og_audit (group_id, version, time, operation, kind, id, key_name, client, resources, detail) VALUES ($g, $v, $t, $op, $k, $id, $key, $client, $n, $detail)",
                ("$g", group), ("$v", a.Version), ("$t", a.Time), ("$op", a.Operation),
                ("$k", a.Kind is not null && ResourceKinds.TryParse(a.Kind, out var kind) ? (int)kind : DBNull.Value),
                ("$id", (object?)a.Id ?? DBNull.Value), ("$key", a.KeyName), ("$client", (object?)a.Client ?? DBNull.Value),
                ("$n", a.Resources), ("$detail", (object?)a.Detail ?? DBNull.Value));
        }
    }

    public Task DeleteGroupAsync(string group, CancellationToken cancellationToken) =>
        database.RunAsync(c =>
        {
            using var tx = c.BeginTransaction();
            foreach (var table in new[] { "og_resources", "og_changes", "og_audit", "og_history" })
            {
                Exec(c, tx, $"DELETE FROM {table} WHERE group_id = $g", ("$g", group));
            }
            Exec(c, tx, "DELETE FROM og_groups WHERE id = $g", ("$g", group));
            tx.Commit();
        }, cancellationToken);

    public Task CommitAsync(GroupCommit commit, CancellationToken cancellationToken) =>
        database.RunAsync(c =>
        {
            using var tx = c.BeginTransaction();
            var updated = Exec(c, tx,
                "UPDATE og_groups SET version = $new, update_time = $u, config = COALESCE($cfg, config) WHERE id = $g AND version = $old",
                ("$new", commit.NewVersion), ("$u", commit.UpdateTime), ("$cfg", (object?)commit.ConfigJson ?? DBNull.Value),
                ("$g", commit.Group), ("$old", commit.ExpectedVersion));
            if (updated != 1)
            {
                tx.Rollback();
                throw new GroupVersionConflictException(commit.Group, commit.ExpectedVersion);
            }
            if (commit.ReplaceAll)
            {
                Exec(c, tx, "DELETE FROM og_resources WHERE group_id = $g", ("$g", commit.Group));
            }
            WriteRows(c, tx, commit);
            tx.Commit();
        }, cancellationToken);

    private static void WriteRows(SqliteConnection c, SqliteTransaction tx, GroupCommit commit)
    {
        if (commit.Upserts.Count > 0)
        {
            using var upsert = Command(c, tx,
                "INSERT INTO og_resources (group_id, kind, id, value, created_index, modified_index) VALUES ($g, $k, $id, $v, $ci, $mi) " +
                "ON CONFLICT (group_id, kind, id) DO UPDATE SET value = excluded.value, created_index = excluded.created_index, modified_index = excluded.modified_index",
                ("$g", commit.Group), ("$k", 0), ("$id", ""), ("$v", ""), ("$ci", 0L), ("$mi", 0L));
            foreach (var r in commit.Upserts)
            {
                Set(upsert, ("$k", (int)r.Kind), ("$id", r.Id), ("$v", r.Json), ("$ci", r.CreatedIndex), ("$mi", r.ModifiedIndex));
                upsert.ExecuteNonQuery();
            }
        }
        foreach (var key in commit.Deletes)
        {
            Exec(c, tx, "DELETE FROM og_resources WHERE group_id = $g AND kind = $k AND id = $id", ("$g", commit.Group), ("$k", (int)key.Kind), ("$id", key.Id));
        }
        foreach (var change in commit.Changes)
        {
            Exec(c, tx, "INSERT OR REPLACE INTO og_changes (group_id, version, change, kind, id) VALUES ($g, $v, $c, $k, $id)",
                ("$g", commit.Group), ("$v", change.Version), ("$c", (int)change.Change), ("$k", (int)change.Kind), ("$id", change.Id));
        }
        if (commit.PruneChangesBefore > 0)
        {
            Exec(c, tx, "DELETE FROM og_changes WHERE group_id = $g AND version < $v", ("$g", commit.Group), ("$v", commit.PruneChangesBefore));
        }
        WriteAudit(c, tx, commit.Group, commit.Audit ?? []);
        foreach (var h in commit.History ?? [])
        {
            Exec(c, tx, "INSERT OR REPLACE INTO og_history (group_id, version, kind, id, before, after) VALUES ($g, $v, $k, $id, $b, $a)",
                ("$g", commit.Group), ("$v", h.Version), ("$k", (int)h.StoredKind), ("$id", h.Id),
                ("$b", (object?)h.Before ?? DBNull.Value), ("$a", (object?)h.After ?? DBNull.Value));
        }
    }

    private static GroupRecord ReadGroup(SqliteDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetString(6));

    private static SqliteCommand Command(SqliteConnection c, SqliteTransaction? tx, string sql, params (string Name, object Value)[] parameters)
    {
        var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value);
        }
        return cmd;
    }

    private static void Set(SqliteCommand cmd, params (string Name, object Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters[name].Value = value;
        }
    }

    private static int Exec(SqliteConnection c, SqliteTransaction? tx, string sql, params (string Name, object Value)[] parameters)
    {
        using var cmd = Command(c, tx, sql, parameters);
        return cmd.ExecuteNonQuery();
    }
}
