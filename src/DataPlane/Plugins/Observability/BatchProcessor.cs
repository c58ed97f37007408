using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace OrleansGateway.DataPlane.Plugins.Observability;

/// <summary>
/// APISIX's batch processor, for loggers: entries are buffered and handed to a sender when <c>batch_max_size</c> are
/// waiting, when none came for <c>inactive_timeout</c> seconds, or when the oldest has waited <c>buffer_duration</c>
/// (checked every <c>inactive_timeout</c>). A batch that fails is retried <c>max_retry_count</c> times,
/// <c>retry_delay</c> seconds apart, then dropped. Past <c>max_pending_entries</c> waiting or being sent (per plugin),
/// new entries are dropped. A request never waits for any of it: <see cref="Push"/> only takes a lock.
/// </summary>
public sealed class BatchProcessor : IDisposable
{
    private static readonly ConcurrentDictionary<string, BatchProcessor> Processors = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, StrongCounter> Pending = new(StringComparer.Ordinal);

    private readonly BatchSettings _settings;
    private readonly Func<IReadOnlyList<JsonObject>, CancellationToken, Task> _send;
    private readonly TimeProvider _time;
    private readonly StrongCounter _pending;
    private readonly Lock _lock = new();
    private List<JsonObject> _buffer = [];
    private DateTimeOffset _first;
    private DateTimeOffset _last;
    private ITimer? _timer;

    private BatchProcessor(BatchSettings settings, Func<IReadOnlyList<JsonObject>, CancellationToken, Task> send, TimeProvider time)
    {
        _settings = settings;
        _send = send;
        _time = time;
        _pending = Pending.GetOrAdd(settings.Plugin, static _ => new StrongCounter());
        _last = time.GetUtcNow();
    }

    /// <summary>
    /// The processor of one configured logger (<paramref name="scope"/>: its owner and configuration): the same while
    /// the configuration is, so recompiling a route keeps what is buffered.
    /// </summary>
    public static BatchProcessor For(string scope, BatchSettings settings, Func<IReadOnlyList<JsonObject>, CancellationToken, Task> send, TimeProvider time)
    {
        // A configuration changed or removed leaves its processor behind: forget those idle and empty for 30 minutes.
        foreach (var (key, processor) in Processors)
        {
            if (key != scope && processor.IdleAndEmptyFor(time.GetUtcNow()) > TimeSpan.FromMinutes(30))
            {
                Processors.TryRemove(new KeyValuePair<string, BatchProcessor>(key, processor));
                processor.Dispose();
            }
        }
        return Processors.GetOrAdd(scope, _ => new BatchProcessor(settings, send, time));
    }

    /// <summary>How long since the last entry when nothing is buffered; zero while something is.</summary>
    private TimeSpan IdleAndEmptyFor(DateTimeOffset now)
    {
        lock (_lock)
        {
            return _buffer.Count == 0 ? now - _last : TimeSpan.Zero;
        }
    }

    /// <summary>Entries buffered or being sent by every processor of <paramref name="plugin"/>.</summary>
    public static long PendingOf(string plugin) => Pending.TryGetValue(plugin, out var counter) ? Interlocked.Read(ref counter.Value) : 0;

    public void Push(JsonObject entry, long maxPending)
    {
        if (Interlocked.Increment(ref _pending.Value) > maxPending)
        {
            Interlocked.Decrement(ref _pending.Value);
            PluginDiagnostics.Warn(_settings.Plugin, "pending", $"max pending entries limit exceeded. discarding entry. max_pending_entries: {maxPending}");
            return;
        }
        if (_settings.BatchMaxSize == 1)
        {
            lock (_lock)
            {
                _last = _time.GetUtcNow();
            }
            _ = SendAsync([entry]);
            return;
        }
        List<JsonObject>? full = null;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (_buffer.Count == 0)
            {
                _first = now;
            }
            _last = now;
            _buffer.Add(entry);
            if (_buffer.Count >= _settings.BatchMaxSize)
            {
                full = TakeBuffer();
            }
            else
            {
                _timer ??= _time.CreateTimer(static state => ((BatchProcessor)state!).Tick(), this, _settings.InactiveTimeout, _settings.InactiveTimeout);
            }
        }
        if (full is not null)
        {
            _ = SendAsync(full);
        }
    }

    private void Tick()
    {
        List<JsonObject>? due = null;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (_buffer.Count > 0 && (now - _last >= _settings.InactiveTimeout || now - _first >= _settings.BufferDuration))
            {
                due = TakeBuffer();
            }
            else if (_buffer.Count == 0)
            {
                _timer?.Dispose();
                _timer = null;
            }
        }
        if (due is not null)
        {
            _ = SendAsync(due);
        }
    }

    private List<JsonObject> TakeBuffer()
    {
        var batch = _buffer;
        _buffer = [];
        _timer?.Dispose();
        _timer = null;
        return batch;
    }

    /// <summary>Sends a batch, retrying as configured; never throws.</summary>
    private async Task SendAsync(List<JsonObject> batch)
    {
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await _send(batch, CancellationToken.None);
                    return;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OperationCanceledException or IOException or BatchRefusedException)
                {
                    PluginDiagnostics.Warn(_settings.Plugin, "send", $"Batch Processor[{_settings.Name}] failed to process entries: {e.Message}");
                    if (attempt >= _settings.MaxRetryCount)
                    {
                        PluginDiagnostics.Warn(_settings.Plugin, "drop",
                            $"Batch Processor[{_settings.Name}] exceeded the max_retry_count[{attempt + 1}] dropping the entries");
                        return;
                    }
                }
                await Task.Delay(_settings.RetryDelay, _time);
            }
        }
        finally
        {
            Interlocked.Add(ref _pending.Value, -batch.Count);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _timer?.Dispose();
            _timer = null;
        }
    }

    private sealed class StrongCounter
    {
        public long Value;
    }
}
