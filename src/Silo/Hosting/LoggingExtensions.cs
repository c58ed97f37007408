namespace OrleansGateway.Silo.Hosting;

public static class LoggingExtensions
{
    /// <summary>Operator-level logs: our own events at Information, framework chatter at Warning.</summary>
    public static WebApplicationBuilder AddGatewayLogging(this WebApplicationBuilder builder)
    {
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        // Category filters match by prefix, and "Orleans" is a prefix of our own "OrleansGateway".
        builder.Logging.AddFilter("OrleansGateway", LogLevel.Information);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });
        return builder;
    }

    /// <summary>One line when the control plane serves, saying where and on what storage.</summary>
    public static WebApplication LogWhenReady(this WebApplication app, OrleansGateway.Configuration.GatewayConfig config)
    {
        app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogInformation(
            "Control plane ready: Admin API on http://{Admin}, storage {Storage}, cluster {Cluster}, snapshots to {Snapshots} on '{Schedule}'",
            config.AdminListen, config.Orleans.PostgreSqlConnectionString is null ? $"SQLite in {Path.GetFullPath(config.DataDir)}" : "PostgreSQL",
            config.Orleans.ClusterId, config.FallbackCp.AwsS3 is { } s3 ? $"S3 buckets {s3.ResourceBucket} and {s3.ConfigBucket}" : "the data folder",
            config.FallbackCp.Schedule.Text));
        return app;
    }
}
