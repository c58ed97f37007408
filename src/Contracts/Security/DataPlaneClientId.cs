namespace OrleansGateway.Contracts.Security;

/// <summary>
/// The Orleans client id a data plane connects with: <c>sys.client/dp~&lt;group&gt;~&lt;random&gt;</c> (not '+': Orleans
/// reads a client key with a '+' as an observer of the client named before it, and every data plane would be "dp"). It names the one
/// gateway group the data plane serves, so that every silo can tell from a call's source which group that caller may
/// read — without state shared between silos. The gateway that accepts the connection checks the name against the
/// data plane's certificate (SAN URI <c>og-group:&lt;group&gt;</c>) and refuses a mismatch, so the name cannot be
/// chosen freely where mutual TLS is on.
/// </summary>
public static class DataPlaneClientId
{
    private const char Separator = '~';
    private const string Prefix = "dp~";

    /// <summary>The key of a fresh client id for a data plane of <paramref name="group"/> (a new one per connection).</summary>
    public static string NewKey(string group) => $"{Prefix}{group}{Separator}{Guid.NewGuid():N}";

    /// <summary>The group a client id names, or null for any other id (not a data plane's, or not a client's).</summary>
    public static string? GroupOf(GrainId? id)
    {
        if (id is not { } grainId || !grainId.Type.IsClient())
        {
            return null;
        }
        var key = grainId.Key.ToString();
        if (!key.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }
        var end = key.LastIndexOf(Separator);
        return end > Prefix.Length ? key[Prefix.Length..end] : null;
    }
}
