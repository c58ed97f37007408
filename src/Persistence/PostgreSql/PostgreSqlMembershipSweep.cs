using System.Net;
using Npgsql;

namespace OrleansGateway.Persistence.PostgreSql;

/// <summary>A membership row the sweep marked Dead, and why.</summary>
public sealed record RetiredSilo(string Address, int Port, int Generation, TimeSpan SilentFor, string Why);

/// <summary>
/// Clears the way for a silo that is about to join a cluster on PostgreSQL, after silos died without leaving (kill -9,
/// a host lost, the whole cluster down at once). Orleans keeps their rows Active until the living vote them dead, and
/// a joining silo first checks that it can reach every Active silo: with every silo gone, nobody is left to vote, so
/// each silo that comes back waits on the others' ghosts. Orleans does mark an older incarnation of the joining
/// silo itself Dead, but with an optimistic update that silos starting together make each other lose (then the ghost
/// stays Active until a table refresh, up to a minute). The sweep retires, under the version row's lock:
/// <list type="bullet">
/// <item>before the silo starts, every row of its own endpoint (it has not registered yet, so they are all earlier
/// incarnations of it);</item>
/// <item>while it joins, a row of another endpoint silent for longer than Orleans' own staleness bound whose silo
/// port refuses connections (a silo that is alive either heartbeats or answers).</item>
/// </list>
/// </summary>
public sealed class PostgreSqlMembershipSweep(string connectionString, string clusterId)
{
    private const int Dead = 6;

    /// <summary>Marks Dead every live-looking row of <paramref name="self"/>: to be called before the silo registers.</summary>
    public async Task<IReadOnlyList<RetiredSilo>> RetireEarlierIncarnationsAsync(IPEndPoint self, CancellationToken cancellationToken)
    {
        var retired = new List<RetiredSilo>();
        foreach (var row in await ReadLiveRowsAsync(cancellationToken))
        {
            if (row.Is(self) && await RetireAsync(row, TimeSpan.Zero, cancellationToken))
            {
                retired.Add(new RetiredSilo(row.Address, row.Port, row.Generation, row.SilentFor, "an earlier incarnation of this silo"));
            }
        }
        return retired;
    }

    /// <summary>
    /// Marks Dead the rows of other endpoints silent for more than <paramref name="staleAfter"/> for which
    /// <paramref name="answers"/> says the silo port does not answer.
    /// </summary>
    public async Task<IReadOnlyList<RetiredSilo>> RetireSilentAsync(IPEndPoint self, TimeSpan staleAfter, Func<IPEndPoint, Task<bool>> answers,
        CancellationToken cancellationToken)
    {
        var retired = new List<RetiredSilo>();
        foreach (var row in await ReadLiveRowsAsync(cancellationToken))
        {
            if (row.Is(self) || row.SilentFor <= staleAfter ||
                !IPAddress.TryParse(row.Address, out var ip) || await answers(new IPEndPoint(ip, row.Port)))
            {
                continue;
            }
            if (await RetireAsync(row, staleAfter, cancellationToken))
            {
                retired.Add(new RetiredSilo(row.Address, row.Port, row.Generation, row.SilentFor, "silent and its silo port refuses connections"));
            }
        }
        return retired;
    }

    private sealed record Row(string Address, int Port, int Generation, TimeSpan SilentFor)
    {
        /// <summary>A row of this endpoint (Orleans stores the address as its text).</summary>
        public bool Is(IPEndPoint endpoint) => Address == endpoint.Address.ToString() && Port == endpoint.Port;
    }

    private async Task<List<Row>> ReadLiveRowsAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT address, port, generation, now() - i_am_alive_time
              FROM og_cluster_silo
             WHERE deployment_id = @d AND status <> @dead
            """, connection);
        command.Parameters.AddWithValue("d", clusterId);
        command.Parameters.AddWithValue("dead", Dead);
        var rows = new List<Row>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new Row(reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetTimeSpan(3)));
        }
        return rows;
    }

    private async Task<bool> RetireAsync(Row row, TimeSpan silentFor, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT og_cluster_retire_silo(@d, @a, @p, @g, @s)", connection);
        command.Parameters.AddWithValue("d", clusterId);
        command.Parameters.AddWithValue("a", row.Address);
        command.Parameters.AddWithValue("p", row.Port);
        command.Parameters.AddWithValue("g", row.Generation);
        command.Parameters.AddWithValue("s", silentFor);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
