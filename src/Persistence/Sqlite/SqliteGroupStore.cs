using Microsoft.Data.Sqlite;
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

    public Task<bool> CreateGroupAsync(GroupRecord group, CancellationToken cancellationToken) =>
        database.RunAsync(c =>
        {
            using var cmd = Command(c, null,
                "INSERT INTO og_groups (id, name, description, version, create_time, update_time, config) VALUES ($id, $n, $d, $v, $c, $u, $cfg) ON CONFLICT (id) DO NOTHING",
                ("$id", group.Id), ("$n", group.Name), ("$d", group.Description), ("$v", group.Version),
                ("$c", group.CreateTime), ("$u", group.UpdateTime), ("$cfg", group.ConfigJson));
            return cmd.ExecuteNonQuery() == 1;
        }, cancellationToken);

    public Task DeleteGroupAsync(string group, CancellationToken cancellationToken) =>
        database.RunAsync(c =>
        {
            using var tx = c.BeginTransaction();
            foreach (var table in new[] { "og_resources", "og_changes" })
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
