using Microsoft.Data.Sqlite;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;

namespace OrleansGateway.Persistence.Sqlite;

/// <summary>
/// Orleans grain storage on the embedded SQLite file, with optimistic concurrency: the ETag is a per-row counter and a
/// write whose ETag is stale fails with <see cref="InconsistentStateException"/>.
/// </summary>
public sealed class SqliteGrainStorage(string name, SqliteDatabase database, Serializer serializer) : IGrainStorage
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS og_grain_state (
            provider TEXT NOT NULL, state_name TEXT NOT NULL, grain_id TEXT NOT NULL, data BLOB NOT NULL, etag INTEGER NOT NULL,
            PRIMARY KEY (provider, state_name, grain_id)) WITHOUT ROWID;
        """;

    private int _initialized;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        RunAsync(c =>
        {
            using var cmd = Command(c, "SELECT data, etag FROM og_grain_state WHERE provider = $p AND state_name = $s AND grain_id = $g", stateName, grainId);
            using var reader = cmd.ExecuteReader();
            if (!reader.Read())
            {
                grainState.State = Activator.CreateInstance<T>();
                grainState.ETag = null;
                grainState.RecordExists = false;
                return;
            }
            grainState.State = serializer.Deserialize<T>((byte[])reader.GetValue(0));
            grainState.ETag = reader.GetInt64(1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        });

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        RunAsync(c =>
        {
            var data = serializer.SerializeToArray(grainState.State);
            SqliteCommand cmd;
            long next;
            if (grainState.ETag is null)
            {
                next = 1;
                cmd = Command(c, "INSERT INTO og_grain_state (provider, state_name, grain_id, data, etag) VALUES ($p, $s, $g, $d, 1) ON CONFLICT DO NOTHING", stateName, grainId);
            }
            else
            {
                var current = long.Parse(grainState.ETag, System.Globalization.CultureInfo.InvariantCulture);
                next = current + 1;
                cmd = Command(c, "UPDATE og_grain_state SET data = $d, etag = $next WHERE provider = $p AND state_name = $s AND grain_id = $g AND etag = $e", stateName, grainId);
                cmd.Parameters.AddWithValue("$e", current);
                cmd.Parameters.AddWithValue("$next", next);
            }
            using (cmd)
            {
                cmd.Parameters.AddWithValue("$d", data);
                if (cmd.ExecuteNonQuery() != 1)
                {
                    throw new InconsistentStateException($"grain state {stateName} of {grainId} was changed by another writer (ETag {grainState.ETag ?? "none"} is stale)");
                }
            }
            grainState.ETag = next.ToString(System.Globalization.CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        });

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        RunAsync(c =>
        {
            if (grainState.ETag is not null)
            {
                using var cmd = Command(c, "DELETE FROM og_grain_state WHERE provider = $p AND state_name = $s AND grain_id = $g AND etag = $e", stateName, grainId);
                cmd.Parameters.AddWithValue("$e", long.Parse(grainState.ETag, System.Globalization.CultureInfo.InvariantCulture));
                if (cmd.ExecuteNonQuery() != 1)
                {
                    throw new InconsistentStateException($"grain state {stateName} of {grainId} was changed by another writer (ETag {grainState.ETag} is stale)");
                }
            }
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
        });

    private Task RunAsync(Action<SqliteConnection> work) =>
        database.RunAsync(c =>
        {
            if (Interlocked.Exchange(ref _initialized, 1) == 0)
            {
                using var create = c.CreateCommand();
                create.CommandText = Schema;
                create.ExecuteNonQuery();
            }
            work(c);
        }, CancellationToken.None);

    private SqliteCommand Command(SqliteConnection c, string sql, string stateName, GrainId grainId)
    {
        var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.AddWithValue("$p", name);
        cmd.Parameters.AddWithValue("$s", stateName);
        cmd.Parameters.AddWithValue("$g", grainId.ToString());
        return cmd;
    }
}
