using System.Net;
using System.Net.Sockets;
using OrleansGateway.Persistence.PostgreSql;

namespace OrleansGateway.Silo.Hosting;

/// <summary>
/// Runs <see cref="PostgreSqlMembershipSweep"/> for this silo: its earlier incarnations before it starts, then, until
/// it has joined (the host has started), every <see cref="Period"/> the silent rows whose silo port refuses
/// connections, so that a cluster whose silos all died forms again as soon as the first comes back, and a silo
/// that never comes back does not hold the others up.
/// </summary>
internal static class MembershipSweep
{
    /// <summary>How often the rows are looked at while joining.</summary>
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(2);

    /// <summary>How long a connection attempt to a silent silo's port may take before it counts as refused.</summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(1);

    public static async Task RunAsync(WebApplication app, string connectionString, string clusterId, IPEndPoint self, TimeSpan staleAfter)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("OrleansGateway.Silo.Membership");
        var sweep = new PostgreSqlMembershipSweep(connectionString, clusterId);
        Log(logger, await sweep.RetireEarlierIncarnationsAsync(self, CancellationToken.None));

        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        _ = Task.Run(async () =>
        {
            using var until = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStarted, lifetime.ApplicationStopping);
            while (!until.IsCancellationRequested)
            {
                try
                {
                    Log(logger, await sweep.RetireSilentAsync(self, staleAfter, AnswersAsync, until.Token));
                    await Task.Delay(Period, until.Token);
                }
                catch (OperationCanceledException) when (until.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The sweep only helps a join along: a failure of it must not end it, nor anything else.
                    logger.LogDebug(e, "The membership sweep failed; retrying");
                    await Task.Delay(Period, CancellationToken.None);
                }
            }
        });
    }

    private static async Task<bool> AnswersAsync(IPEndPoint endpoint)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(ConnectTimeout);
        try
        {
            await socket.ConnectAsync(endpoint, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private static void Log(ILogger logger, IReadOnlyList<RetiredSilo> retired)
    {
        foreach (var silo in retired)
        {
            logger.LogWarning("Marked silo {Address}:{Port} (generation {Generation}) dead in the membership table before joining: {Why}, silent for {Silent:F0} s",
                silo.Address, silo.Port, silo.Generation, silo.Why, silo.SilentFor.TotalSeconds);
        }
    }
}
