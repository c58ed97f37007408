namespace OrleansGateway.Grains.Groups;

/// <summary>Tuning of the gateway group grains.</summary>
public sealed class GatewayGroupOptions
{
    /// <summary>How many change log entries each group keeps (older readers reload the whole group).</summary>
    public int ChangeLogCapacity { get; set; } = 10_000;

    /// <summary>The group that exists without being created, as APISIX users expect a single default config set.</summary>
    public string DefaultGroup { get; set; } = "default";
}
