using Microsoft.Data.Sqlite;

namespace OrleansGateway.Persistence.Sqlite;

/// <summary>
/// The embedded control plane's one SQLite file. SQLite serializes writers anyway, so one connection behind a lock
/// serves the group store and the grain storage; WAL keeps readers of other processes (backups, tools) unblocked.
/// </summary>
public sealed class SqliteDatabase : IAsyncDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly SqliteConnection _connection;

    /// <summary>Opens (creating when missing) the database at <paramref name="path"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="synchronousFull">
    /// FULL fsyncs every commit (survives power loss); NORMAL survives a process kill, which is what an acknowledged
    /// write needs on a live machine, and is faster. Default FULL.
    /// </param>
    public SqliteDatabase(string path, bool synchronousFull = true)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode=WAL;");
        Execute(synchronousFull ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");
        Execute("PRAGMA busy_timeout=5000;");
    }

    /// <summary>The absolute path of the file.</summary>
    public string Path { get; }

    /// <summary>
    /// Runs <paramref name="work"/> with exclusive use of the connection, on the thread pool: SQLite calls block
    /// (fsync), and must not hold the caller's thread — for a grain, its activation's turn.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            return await Task.Run(() => work(_connection), cancellationToken);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Runs <paramref name="work"/> with exclusive use of the connection.</summary>
    public Task RunAsync(Action<SqliteConnection> work, CancellationToken cancellationToken) =>
        RunAsync(c => { work(c); return true; }, cancellationToken);

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _lock.WaitAsync();
        await _connection.DisposeAsync();
        _lock.Dispose();
    }
}
