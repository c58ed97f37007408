using Orleans.Configuration;
using OrleansGateway.Configuration;
using OrleansGateway.Grains.Snapshots;
using OrleansGateway.Snapshots;
using OrleansGateway.Snapshots.Stores;

namespace OrleansGateway.Silo.Hosting;

public static class SnapshotExtensions
{
    /// <summary>
    /// Snapshots of every group: to S3 with <c>fallback_cp.aws_s3</c>, else to <c>{data_dir}/snapshots</c> (or
    /// <c>fallback_cp.folder</c>) with the same layout, on <c>fallback_cp.cron_spec</c>.
    /// </summary>
    public static ISiloBuilder AddGatewaySnapshots(this ISiloBuilder silo, GatewayConfig config)
    {
        var fallback = config.FallbackCp;
        silo.Services.AddSingleton<ISnapshotStore>(_ => fallback.AwsS3 is { } s3
            ? new S3SnapshotStore(s3)
            : new FolderSnapshotStore(fallback.Folder ?? Path.Combine(config.DataDir, "snapshots")));
        var layout = fallback.AwsS3 is { } aws ? new SnapshotLayout(aws.ResourceBucket, aws.ConfigBucket) : SnapshotLayout.Embedded;
        silo.Services.AddSingleton(sp => new SnapshotWriter(sp.GetRequiredService<ISnapshotStore>(), layout, fallback.EncryptionKey, fallback.Retain, sp.GetRequiredService<TimeProvider>()));
        silo.Services.AddSingleton(new SnapshotSchedule(fallback.Schedule));
        silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = SnapshotSchedule.MinimumReminderPeriod);
        return silo;
    }
}
