namespace OrleansGateway.DataPlane.Routing;

/// <summary>A route host: exact (<c>api.example.com</c>) or a leading wildcard (<c>*.example.com</c>), case-insensitive.</summary>
public readonly record struct HostPattern(string Suffix, bool Wildcard)
{
    public static HostPattern Parse(string host)
    {
        var lower = host.ToLowerInvariant();
        return lower.StartsWith('*') ? new HostPattern(lower[1..], true) : new HostPattern(lower, false);
    }

    /// <summary>True when <paramref name="host"/> (lower case, no port) matches. <c>*.example.com</c> does not match <c>example.com</c>.</summary>
    public bool Matches(string host) =>
        Wildcard ? host.Length > Suffix.Length && host.EndsWith(Suffix, StringComparison.Ordinal) : host == Suffix;
}
