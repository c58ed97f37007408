using System.Reflection;
using Npgsql;

namespace OrleansGateway.Persistence.PostgreSql;

/// <summary>
/// Applies this project's PostgreSQL schema: the tables and OrleansQuery rows that Orleans' ADO.NET clustering,
/// persistence and reminder providers need (orleans-schema.sql), and the group store's tables (group-store.sql).
/// Runs in one transaction under an advisory lock, so silos starting together apply it once, one after another;
/// every statement is idempotent, so a restart or a newer version re-applies it safely.
/// </summary>
public static class PostgreSqlSchema
{
    /// <summary>The ADO.NET invariant Orleans' providers need for PostgreSQL.</summary>
    public const string Invariant = "Npgsql";

    // An arbitrary constant that identifies "schema migration of OrleansGateway" among advisory locks.
    private const long AdvisoryLockKey = 0x4F47_5343_4845_4D41;

    private static readonly string[] Scripts = ["orleans-schema.sql", "group-store.sql"];

    public static async Task EnsureAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@k)", connection, tx))
        {
            lockCommand.Parameters.AddWithValue("k", AdvisoryLockKey);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }
        foreach (var script in Scripts)
        {
            await using var command = new NpgsqlCommand(ReadScript(script), connection, tx);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>The text of an embedded script.</summary>
    public static string ReadScript(string name)
    {
        var assembly = typeof(PostgreSqlSchema).Assembly;
        var resource = assembly.GetManifestResourceNames().Single(n => n.EndsWith("." + name, StringComparison.Ordinal));
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
