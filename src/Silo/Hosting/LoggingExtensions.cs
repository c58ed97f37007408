namespace OrleansGateway.Silo.Hosting;

public static class LoggingExtensions
{
    public static WebApplicationBuilder AddGatewayLogging(this WebApplicationBuilder builder)
    {
        OrleansGateway.Configuration.GatewayLogging.AddGatewayLogging(builder.Logging);
        return builder;
    }

    /// <summary>One line when the control plane serves, saying where and on what storage.</summary>
    public static WebApplication LogWhenReady(this WebApplication app, OrleansGateway.Configuration.GatewayConfig config)
    {
        app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogInformation(
            "Control plane ready: Admin API on {Scheme}://{Admin}, storage {Storage}, cluster {Cluster}, Orleans transport {Transport}, snapshots to {Snapshots} on '{Schedule}'",
            config.AdminHttps is null ? "http" : "https", config.AdminListen, config.Orleans.PostgreSqlConnectionString is null ? $"SQLite in {Path.GetFullPath(config.DataDir)}" : "PostgreSQL",
            config.Orleans.ClusterId, OrleansGateway.Configuration.Certificates.OrleansTransportStatus.Describe(config), config.FallbackCp.AwsS3 is { } s3 ? $"S3 buckets {s3.ResourceBucket} and {s3.ConfigBucket}" : "the data folder",
            config.FallbackCp.Schedule.Text));
        foreach (var warning in OrleansGateway.Configuration.Certificates.OrleansTransportStatus.Warnings(config))
        {
            app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogWarning("{Warning}", warning));
        }
        return app;
    }
}
