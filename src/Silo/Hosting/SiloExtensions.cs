using Orleans.Configuration;
using Orleans.Providers;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansGateway.Configuration;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Grains.Feed;
using OrleansGateway.Grains.Groups;
using OrleansGateway.Grains.Storage;
using OrleansGateway.Persistence.PostgreSql;
using OrleansGateway.Persistence.Sqlite;
using OrleansGateway.Silo.Security;

namespace OrleansGateway.Silo.Hosting;

public static class SiloExtensions
{
    private static readonly TimeSpan IAmAlivePeriod = TimeSpan.FromSeconds(10);
    private const int MissedIAmAlivesLimit = 3;

    /// <summary>
    /// The Orleans silo: embedded (one silo, localhost clustering, SQLite file) unless
    /// <c>deployment.orleans.postgresql.connection_string</c> is set (ADO.NET clustering, storage and reminders).
    /// </summary>
    public static WebApplicationBuilder AddGatewaySilo(this WebApplicationBuilder builder, GatewayConfig config)
    {
        builder.Services.AddSingleton(config);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.Configure<GatewayGroupOptions>(o =>
        {
            o.HistoryMaxVersions = config.Audit.MaxVersions;
            o.HistoryMaxAge = config.Audit.MaxAge;
        });
        builder.UseOrleans(silo =>
        {
            if (config.Orleans.PostgreSqlConnectionString is { } pg)
            {
                UsePostgreSql(silo, config, pg);
            }
            else
            {
                UseEmbedded(silo, config);
            }
            // Changes reach data planes by push from the silo each is connected to (no stream queues to poll).
            silo.AddGroupFeed();
            silo.UseGatewayTls(config);
            silo.AddDataPlaneBoundary();
            silo.AddGatewaySnapshots(config);
            silo.AddStartupTask(ArmSnapshotsAsync);
        });
        return builder;
    }

    /// <summary>
    /// At silo start: make sure the default group exists, and arm every group's snapshot schedule. A silo restarted
    /// right after a kill -9 can find its previous incarnation still listed as active for a while, and grain calls
    /// routed there are rejected. Such a failure must not fail the start (the silo would exit and leave the cluster a
    /// member short): the silo starts, and the arming is retried behind it until it succeeds.
    /// </summary>
    private static async Task ArmSnapshotsAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        try
        {
            await ArmOnceAsync(services);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("OrleansGateway.Silo.Startup");
            logger.LogWarning("Could not arm the snapshot schedules while starting ({Message}); retrying in the background", e.Message);
            var stopping = services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            _ = Task.Run(() => ArmBehindAsync(services, logger, stopping), CancellationToken.None);
        }
    }

    private static async Task ArmBehindAsync(IServiceProvider services, ILogger logger, CancellationToken stopping)
    {
        for (var attempt = 1; !stopping.IsCancellationRequested; attempt++)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 500 * attempt)), stopping);
                await ArmOnceAsync(services);
                logger.LogInformation("Snapshot schedules armed (attempt {Attempt} behind the start)", attempt);
                return;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                logger.LogDebug(e, "Arming the snapshot schedules failed; retrying");
            }
        }
    }

    private static async Task ArmOnceAsync(IServiceProvider services)
    {
        var grains = services.GetRequiredService<IGrainFactory>();
        await grains.GetGrain<IGatewayGroupGrain>("default").GetInfo();
        foreach (var group in await grains.GetGrain<IGatewayGroupDirectoryGrain>(0).List())
        {
            await grains.GetGrain<ISnapshotGrain>(group.Id).Ensure();
        }
    }

    private static void UseEmbedded(ISiloBuilder silo, GatewayConfig config)
    {
        var o = config.Orleans;
        silo.UseLocalhostClustering(o.SiloPort, o.GatewayPort, null, o.ServiceId, o.ClusterId);
        var path = Path.Combine(config.DataDir, "orleans-gateway.db");
        silo.Services.AddSingleton(_ => new SqliteDatabase(path, config.SqliteSynchronousFull));
        silo.Services.AddSingleton<IGroupStore, SqliteGroupStore>();
        foreach (var name in new[] { ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME })
        {
            silo.Services.AddKeyedSingleton<IGrainStorage>(name, (sp, _) =>
                new SqliteGrainStorage(name, sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<Serializer>()));
        }
        silo.UseInMemoryReminderService();
    }

    private static void UsePostgreSql(ISiloBuilder silo, GatewayConfig config, string connectionString)
    {
        var o = config.Orleans;
        silo.Configure<ClusterOptions>(c =>
        {
            c.ClusterId = o.ClusterId;
            c.ServiceId = o.ServiceId;
        });
        silo.ConfigureEndpoints(o.AdvertisedIp, o.SiloPort, o.GatewayPort, listenOnAnyHostAddress: false);
        // Heartbeats to the table every 10 s (Orleans' default is 30 s): a silo silent for three of them is stale,
        // which is what lets a silo that comes back retire a silo that never does (MembershipSweep) within 30 s.
        silo.Configure<ClusterMembershipOptions>(m =>
        {
            m.IAmAliveTablePublishTimeout = IAmAlivePeriod;
            m.NumMissedTableIAmAliveLimit = MissedIAmAlivesLimit;
        });
        silo.UseAdoNetClustering(a =>
        {
            a.Invariant = PostgreSqlSchema.Invariant;
            a.ConnectionString = connectionString;
        });
        foreach (var name in new[] { ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME })
        {
            silo.AddAdoNetGrainStorage(name, a =>
            {
                a.Invariant = PostgreSqlSchema.Invariant;
                a.ConnectionString = connectionString;
            });
        }
        silo.UseAdoNetReminderService(a =>
        {
            a.Invariant = PostgreSqlSchema.Invariant;
            a.ConnectionString = connectionString;
        });
        silo.Services.AddSingleton<IGroupStore>(_ => new PostgreSqlGroupStore(connectionString));
    }

    /// <summary>Creates the storage schema (idempotent; safe when several silos start at once) before the silo starts.</summary>
    public static async Task InitializeStorageAsync(this WebApplication app)
    {
        var config = app.Services.GetRequiredService<GatewayConfig>();
        var trust = app.Services.GetRequiredService<ClusterTrust>();
        if (config.Orleans.PostgreSqlConnectionString is { } pg)
        {
            await PostgreSqlSchema.EnsureAsync(pg, CancellationToken.None);
            trust.Initialize(await PostgreSqlClusterSecret.GetOrCreateAsync(pg, CancellationToken.None));
            var o = config.Orleans;
            await MembershipSweep.RunAsync(app, pg, o.ClusterId, new System.Net.IPEndPoint(o.AdvertisedIp, o.SiloPort), IAmAlivePeriod * MissedIAmAlivesLimit);
        }
        else
        {
            // One silo: the secret never has to be shared.
            trust.Initialize(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        }
        await app.Services.GetRequiredService<IGroupStore>().InitializeAsync(CancellationToken.None);
    }
}
