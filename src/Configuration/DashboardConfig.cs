namespace OrleansGateway.Configuration;

/// <summary>
/// <c>deployment.admin.dashboard</c>: the Orleans dashboard on the Admin API's listener under <c>/dashboard/</c>,
/// behind a login with an admin or viewer key.
/// </summary>
public sealed record DashboardConfig
{
    /// <summary>The longest <c>session_ttl</c> accepted: a forgotten browser should not stay logged in for weeks.</summary>
    public static readonly TimeSpan MaxSessionTtl = TimeSpan.FromDays(7);

    /// <summary><c>enabled</c> (default true): false maps nothing and adds no dashboard services to the silo.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary><c>session_ttl</c> (default 8h): how long a login lasts.</summary>
    public TimeSpan SessionTtl { get; init; } = TimeSpan.FromHours(8);

    /// <summary>
    /// <c>metrics_idle_after</c> (default 5m): the dashboard's metrics collection (a reading of every Orleans instrument
    /// each second, most of an idle silo's cost with the dashboard on) runs only while the dashboard is in use: it
    /// starts with the first dashboard request to this silo, or the first dashboard read of this silo's statistics
    /// from another silo, and stops after this long without one.
    /// </summary>
    public TimeSpan MetricsIdleAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Reads <c>deployment.admin.dashboard</c>; a bad value throws naming the key and the value.</summary>
    public static DashboardConfig Read(ConfigReader r)
    {
        const string p = "deployment:admin:dashboard:";
        var ttl = r.Duration(p + "session_ttl", TimeSpan.FromHours(8));
        if (ttl > MaxSessionTtl)
        {
            throw ConfigReader.Invalid(p + "session_ttl", r.String(p + "session_ttl", ""), "expected at most 7 days (168h)");
        }
        return new DashboardConfig
        {
            Enabled = r.Bool(p + "enabled", true),
            SessionTtl = ttl,
            MetricsIdleAfter = r.Duration(p + "metrics_idle_after", TimeSpan.FromMinutes(5)),
        };
    }
}
