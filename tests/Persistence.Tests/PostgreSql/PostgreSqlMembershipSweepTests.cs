using System.Net;
using Npgsql;
using OrleansGateway.Persistence.PostgreSql;
using OrleansGateway.TestSupport;

namespace OrleansGateway.Persistence.Tests.PostgreSql;

/// <summary>The membership sweep against the project's schema on a real PostgreSQL, with rows as Orleans writes them.</summary>
public sealed class PostgreSqlMembershipSweepTests : IAsyncLifetime
{
    private const string Cluster = "sweep-cluster";
    private static readonly IPEndPoint Self = new(IPAddress.Loopback, 11111);
    private PostgresDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _db = await PostgresDatabase.CreateAsync();
        await PostgreSqlSchema.EnsureAsync(_db.ConnectionString, CancellationToken.None);
        await ExecAsync("INSERT INTO og_cluster_version (deployment_id, version) VALUES (@d, 7)");
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Earlier_incarnations_of_this_endpoint_are_retired_whatever_their_heartbeat_and_nothing_else()
    {
        await AddSiloAsync("127.0.0.1", 11111, 100, status: 3, silentSeconds: 0);   // heartbeating a moment ago: still a ghost of this endpoint
        await AddSiloAsync("127.0.0.1", 11111, 90, status: 6, silentSeconds: 600);  // already dead
        await AddSiloAsync("127.0.0.1", 11112, 100, status: 3, silentSeconds: 600); // another endpoint
        await AddSiloAsync("127.0.0.2", 11111, 100, status: 2, silentSeconds: 600); // same port, another address

        var retired = await new PostgreSqlMembershipSweep(_db.ConnectionString, Cluster).RetireEarlierIncarnationsAsync(Self, CancellationToken.None);

        Assert.Equal([(11111, 100)], retired.Select(r => (r.Port, r.Generation)));
        Assert.Equal(6, await StatusAsync("127.0.0.1", 11111, 100));
        Assert.Equal(3, await StatusAsync("127.0.0.1", 11112, 100));
        Assert.Equal(2, await StatusAsync("127.0.0.2", 11111, 100));
        Assert.Equal(8, await VersionAsync());
    }

    [Fact]
    public async Task Only_silent_rows_whose_port_refuses_are_retired_and_each_retirement_bumps_the_version()
    {
        await AddSiloAsync("127.0.0.1", 20001, 1, status: 3, silentSeconds: 120); // silent, refuses: retired
        await AddSiloAsync("127.0.0.1", 20002, 1, status: 3, silentSeconds: 120); // silent, but its port answers (a stuck table writer)
        await AddSiloAsync("127.0.0.1", 20003, 1, status: 3, silentSeconds: 5);   // heartbeating
        await AddSiloAsync("127.0.0.1", 20004, 1, status: 2, silentSeconds: 120); // joining and gone: retired
        await AddSiloAsync("127.0.0.1", 11111, 5, status: 3, silentSeconds: 120); // this endpoint (our own row while joining): never here
        var asked = new List<int>();

        var retired = await new PostgreSqlMembershipSweep(_db.ConnectionString, Cluster).RetireSilentAsync(Self, TimeSpan.FromSeconds(30), endpoint =>
        {
            lock (asked)
            {
                asked.Add(endpoint.Port);
            }
            return Task.FromResult(endpoint.Port == 20002);
        }, CancellationToken.None);

        Assert.Equal([20001, 20004], retired.Select(r => r.Port).Order());
        Assert.All(retired, r => Assert.InRange(r.SilentFor.TotalSeconds, 110, 600));
        Assert.Equal([20001, 20002, 20004], asked.Order());
        Assert.Equal(6, await StatusAsync("127.0.0.1", 20001, 1));
        Assert.Equal(3, await StatusAsync("127.0.0.1", 20002, 1));
        Assert.Equal(3, await StatusAsync("127.0.0.1", 20003, 1));
        Assert.Equal(6, await StatusAsync("127.0.0.1", 20004, 1));
        Assert.Equal(3, await StatusAsync("127.0.0.1", 11111, 5));
        Assert.Equal(9, await VersionAsync());
    }

    [Fact]
    public async Task A_row_that_heartbeats_between_the_read_and_the_retirement_is_kept()
    {
        await AddSiloAsync("127.0.0.1", 20001, 1, status: 3, silentSeconds: 120);

        // The silo writes its I-am-alive after the sweep read the row but before it retires it.
        var retired = await new PostgreSqlMembershipSweep(_db.ConnectionString, Cluster).RetireSilentAsync(Self, TimeSpan.FromSeconds(30), async _ =>
        {
            await ExecAsync("UPDATE og_cluster_silo SET i_am_alive_time = now() WHERE port = 20001");
            return false;
        }, CancellationToken.None);

        Assert.Empty(retired);
        Assert.Equal(3, await StatusAsync("127.0.0.1", 20001, 1));
        Assert.Equal(7, await VersionAsync());
    }

    private async Task AddSiloAsync(string address, int port, int generation, int status, int silentSeconds) =>
        await ExecAsync(
            """
            INSERT INTO og_cluster_silo (deployment_id, address, port, generation, silo_name, host_name, status, proxy_port, start_time, i_am_alive_time)
            VALUES (@d, @a, @p, @g, 'silo', 'host', @s, 30000, now() - interval '1 hour', now() - make_interval(secs => @silent))
            """, ("a", address), ("p", port), ("g", generation), ("s", status), ("silent", (double)silentSeconds));

    private async Task<int> StatusAsync(string address, int port, int generation) =>
        (int)(await ScalarAsync("SELECT status FROM og_cluster_silo WHERE deployment_id = @d AND address = @a AND port = @p AND generation = @g",
            ("a", address), ("p", port), ("g", generation)))!;

    private async Task<int> VersionAsync() => (int)(await ScalarAsync("SELECT version FROM og_cluster_version WHERE deployment_id = @d"))!;

    private async Task ExecAsync(string sql, params (string Name, object Value)[] parameters) => await ScalarAsync(sql, parameters);

    private async Task<object?> ScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(_db.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("d", Cluster);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return await command.ExecuteScalarAsync();
    }
}
