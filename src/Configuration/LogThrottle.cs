using System.Collections.Concurrent;

namespace OrleansGateway.Configuration;

/// <summary>
/// At most one log line per key and period: for events a misbehaving or hostile peer can repeat at will (refused
/// connections, refused calls), so that it cannot flood the log. Bounded: past 1,000 keys it starts afresh.
/// </summary>
public sealed class LogThrottle(TimeSpan period, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _logged = new(StringComparer.Ordinal);

    /// <summary>True when nothing was logged for <paramref name="key"/> within the period (and records now).</summary>
    public bool ShouldLog(string key)
    {
        var now = _time.GetUtcNow();
        if (_logged.TryGetValue(key, out var at) && now - at < period)
        {
            return false;
        }
        if (_logged.Count > 1000)
        {
            _logged.Clear();
        }
        _logged[key] = now;
        return true;
    }
}
