namespace OrleansGateway.Grains.DataPlanes;

/// <summary>
/// When each data plane of a group was last heard from and at which version, with the group's version then: enough
/// to judge every instance's status at any later moment (the registry's list and the <c>og_cp_dataplanes</c> gauge
/// use the same rule).
/// </summary>
public sealed record DataPlaneSightings(IReadOnlyList<(DateTimeOffset Seen, long Version)> Instances, long GroupVersion)
{
    /// <summary>Silent this long: <c>lost</c>.</summary>
    public static readonly TimeSpan Offline = TimeSpan.FromSeconds(15);

    /// <summary>Silent this long: forgotten.</summary>
    public static readonly TimeSpan Forget = TimeSpan.FromMinutes(10);

    public static readonly IReadOnlyList<string> Statuses = ["healthy", "lagging", "lost"];

    /// <summary><c>lost</c> when silent for <see cref="Offline"/>, else <c>lagging</c> when behind the group, else <c>healthy</c>.</summary>
    public static string StatusOf(DateTimeOffset seen, long version, long groupVersion, DateTimeOffset now) =>
        now - seen > Offline ? "lost" : version < groupVersion ? "lagging" : "healthy";

    /// <summary>Every status with its count (zeros included, so a gauge drops to 0 rather than vanishing).</summary>
    public IEnumerable<(string Status, long Count)> CountByStatus(DateTimeOffset now)
    {
        var live = Instances.Where(i => now - i.Seen <= Forget).ToList();
        return Statuses.Select(s => (s, (long)live.Count(i => StatusOf(i.Seen, i.Version, GroupVersion, now) == s)));
    }
}
