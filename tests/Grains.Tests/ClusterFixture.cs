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

/// <summary>One in-process silo with the real SQLite group store in a temporary folder, and a client.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "og-grains-tests-" + Guid.NewGuid().ToString("N"));

    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
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
            silo.Services.AddSingleton(_ => new SqliteDatabase(Path.Combine(Folder, "groups.db"), synchronousFull: false));
            silo.Services.AddSingleton<SqliteGroupStore>();
            silo.Services.AddSingleton<IGroupStore>(sp => new FaultyGroupStore(sp.GetRequiredService<SqliteGroupStore>()));
            silo.Services.AddSingleton(TimeProvider.System);
            silo.Services.AddMetrics();
            silo.Services.AddSingleton<ControlPlaneMetrics>();
            silo.AddActivityPropagation();
            silo.AddGroupFeed();
            silo.AddStartupTask((sp, ct) => sp.GetRequiredService<IGroupStore>().InitializeAsync(ct));
            silo.UseInMemoryReminderService();
            silo.Configure<Orleans.Hosting.ReminderOptions>(o => o.MinimumReminderPeriod = SnapshotSchedule.MinimumReminderPeriod);
            silo.Services.AddSingleton<ISnapshotStore>(new FolderSnapshotStore(Path.Combine(Folder, "snapshots")));
            silo.Services.AddSingleton(sp => new SnapshotWriter(sp.GetRequiredService<ISnapshotStore>(), SnapshotLayout.Embedded, null, 3, TimeProvider.System));
            silo.Services.AddSingleton(new SnapshotSchedule(CronSchedule.Parse("@every 1h")));
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
