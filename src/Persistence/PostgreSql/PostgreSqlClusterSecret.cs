using System.Security.Cryptography;
using Npgsql;

namespace OrleansGateway.Persistence.PostgreSql;

/// <summary>The cluster's shared secret (og_cluster_secret): created once with 32 random bytes, then read by every silo.</summary>
public static class PostgreSqlClusterSecret
{
    public static async Task<byte[]> GetOrCreateAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var insert = new NpgsqlCommand("INSERT INTO og_cluster_secret (id, secret) VALUES (1, @s) ON CONFLICT (id) DO NOTHING", connection))
        {
            insert.Parameters.AddWithValue("s", RandomNumberGenerator.GetBytes(32));
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var select = new NpgsqlCommand("SELECT secret FROM og_cluster_secret WHERE id = 1", connection);
        return (byte[])(await select.ExecuteScalarAsync(cancellationToken))!;
    }
}
