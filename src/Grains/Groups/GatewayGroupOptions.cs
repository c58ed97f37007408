namespace OrleansGateway.Grains.Groups;

/// <summary>Tuning of the gateway group grains.</summary>
public sealed class GatewayGroupOptions
{
    /// <summary>How many change log entries each group keeps (older readers reload the whole group).</summary>
    public int ChangeLogCapacity { get; set; } = 10_000;

    /// <summary>The group that exists without being created, as APISIX users expect a single default config set.</summary>
    public string DefaultGroup { get; set; } = "default";

    /// <summary>
    /// How many versions of audit log and history each group keeps (<c>deployment.admin.audit.max_versions</c>); older
    /// ones are dropped in steps of 100 versions.
    /// </summary>
    public int HistoryMaxVersions { get; set; } = 10_000;

    /// <summary>How long audit log and history entries are kept (<c>deployment.admin.audit.max_age</c>); zero keeps them whatever their age.</summary>
    public TimeSpan HistoryMaxAge { get; set; } = TimeSpan.FromDays(90);
}
