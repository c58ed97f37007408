using Microsoft.Extensions.Logging;

namespace OrleansGateway.Configuration.Certificates;

/// <summary>
/// Something loaded from files and loaded again when they change: <see cref="Current"/> looks at the files'
/// timestamps and sizes at most once a second. A change that does not load (a half-written file, a key that does not
/// match) keeps the previous value and logs why once, until the files change again.
/// </summary>
public sealed class ReloadingFiles<T> where T : class
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(1);
    private readonly string[] _paths;
    private readonly Func<T> _load;
    private readonly Action<string, T> _describe;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private T _current;
    private string _stamp;
    private string? _failedStamp;
    private DateTimeOffset _checkedAt;

    /// <param name="load">Reads the files; throws <see cref="GatewayConfigException"/> naming the key when they do not load.</param>
    /// <param name="describe">Logs what was loaded (never key material), given "loaded" or "reloaded".</param>
    public ReloadingFiles(IEnumerable<string> paths, Func<T> load, Action<string, T> describe, ILogger logger, TimeProvider? time = null)
    {
        _paths = [.. paths];
        _load = load;
        _describe = describe;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _stamp = Stamp();
        _current = load();
        _checkedAt = _time.GetUtcNow();
        describe("loaded", _current);
    }

    /// <summary>The value to use now (loaded again first when a file changed).</summary>
    public T Current
    {
        get
        {
            var now = _time.GetUtcNow();
            if (now - _checkedAt < CheckEvery)
            {
                return Volatile.Read(ref _current);
            }
            lock (_gate)
            {
                if (now - _checkedAt >= CheckEvery)
                {
                    _checkedAt = now;
                    ReloadIfChanged();
                }
                return _current;
            }
        }
    }

    private void ReloadIfChanged()
    {
        var stamp = Stamp();
        if (stamp == _stamp || stamp == _failedStamp)
        {
            return;
        }
        try
        {
            var loaded = _load();
            Volatile.Write(ref _current, loaded);
            _stamp = stamp;
            _failedStamp = null;
            _describe("reloaded", loaded);
        }
        catch (GatewayConfigException e)
        {
            _failedStamp = stamp;
            _logger.LogError("Certificate files changed but cannot be used, keeping the previous ones: {Reason}", e.Message);
        }
    }

    private string Stamp() => string.Join('|', _paths.Select(p =>
    {
        var info = new FileInfo(p);
        return info.Exists ? $"{info.LastWriteTimeUtc.Ticks}:{info.Length}" : "missing";
    }));
}
