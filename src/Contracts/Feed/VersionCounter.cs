namespace OrleansGateway.Contracts.Feed;

/// <summary>Versions only move forward: raises a shared version without a lock.</summary>
public static class VersionCounter
{
    /// <summary>Sets <paramref name="target"/> to <paramref name="value"/> when that is higher, atomically.</summary>
    public static void RaiseTo(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }
}
