using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.TestingHost;
using OrleansGateway.Grains.Feed;
using OrleansGateway.Grains.Observability;
using OrleansGateway.Grains.Storage;
using OrleansGateway.Contracts.Scheduling;
using OrleansGateway.Grains.Snapshots;
using OrleansGateway.Persistence.Sqlite;
using OrleansGateway.Snapshots;
using OrleansGateway.Snapshots.Stores;

namespace OrleansGateway.Grains.Tests;

/// <summary>
/// One in-process silo with the real SQLite group store and a folder snapshot store in a temporary folder of its own,
/// and a client. Snapshots every hour (none during the tests) unless a derived fixture says otherwise.
/// </summary>
public class ClusterFixture : IAsyncLifetime
{
    private const string FolderKey = "og_test_folder";
    private const string CronKey = "og_test_snapshot_cron";

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "og-grains-tests-" + Guid.NewGuid().ToString("N"));

    /// <summary>The snapshot grains' <c>fallback_cp.cron_spec</c>.</summary>
    protected virtual string SnapshotCron => "@every 1h";

    /// <summary>Where the snapshot grains write (the folder store of the embedded default).</summary>
    public string SnapshotFolder => Path.Combine(Folder, "snapshots");

    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.Properties[FolderKey] = Folder;
        builder.Properties[CronKey] = SnapshotCron;
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            var folder = silo.Configuration[FolderKey]!;
            silo.Services.AddSingleton(_ => new SqliteDatabase(Path.Combine(folder, "groups.db"), synchronousFull: false));
            silo.Services.AddSingleton<SqliteGroupStore>();
            silo.Services.AddSingleton<IGroupStore>(sp => new FaultyGroupStore(sp.GetRequiredService<SqliteGroupStore>()));
            silo.Services.AddSingleton(TimeProvider.System);
            // A short history, so that a test can outgrow it.
            silo.Services.Configure<OrleansGateway.Grains.Groups.GatewayGroupOptions>(o => o.HistoryMaxVersions = 200);
            silo.Services.AddMetrics();
            silo.Services.AddSingleton<ControlPlaneMetrics>();
            silo.AddActivityPropagation();
            silo.AddGroupFeed();
            silo.AddStartupTask((sp, ct) => sp.GetRequiredService<IGroupStore>().InitializeAsync(ct));
            silo.UseInMemoryReminderService();
            silo.Configure<Orleans.Hosting.ReminderOptions>(o => o.MinimumReminderPeriod = SnapshotSchedule.MinimumReminderPeriod);
            silo.Services.AddSingleton<ISnapshotStore>(new FolderSnapshotStore(Path.Combine(folder, "snapshots")));
            silo.Services.AddSingleton(sp => new SnapshotWriter(sp.GetRequiredService<ISnapshotStore>(), SnapshotLayout.Embedded, null, 3, TimeProvider.System));
            silo.Services.AddSingleton(new SnapshotSchedule(CronSchedule.Parse(silo.Configuration[CronKey]!)));
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder client) =>
            client.AddActivityPropagation();
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
