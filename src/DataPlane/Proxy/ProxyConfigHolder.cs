namespace OrleansGateway.DataPlane.Proxy;

/// <summary>
/// The configuration being served. <see cref="TryApply"/> is the only way to change it, and it only ever moves to a
/// strictly newer version (a CP restore arrives with a higher version too), atomically.
/// </summary>
public sealed class ProxyConfigHolder
{
    private ProxyConfig _current = ProxyConfig.Empty;
    private readonly Lock _lock = new();

    public ProxyConfig Current => Volatile.Read(ref _current);

    /// <summary>Raised after a new configuration is applied (for the local cache, metrics, logs).</summary>
    public event Action<ProxyConfig>? Applied;

    /// <summary>Applies <paramref name="config"/> when it is newer than the current one; false otherwise.</summary>
    public bool TryApply(ProxyConfig config)
    {
        lock (_lock)
        {
            if (config.Version <= _current.Version && _current.Source != "empty")
            {
                return false;
            }
            Volatile.Write(ref _current, config);
        }
        Applied?.Invoke(config);
        return true;
    }
}
