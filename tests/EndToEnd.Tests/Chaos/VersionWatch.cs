using System.Text.Json.Nodes;

namespace OrleansGateway.EndToEnd.Tests.Chaos;

/// <summary>
/// Reads a data plane's <c>/status</c> every 100 ms and remembers every time the served version went down — which
/// must never happen, a restart included (the DP comes back from its cache at the version it served).
/// </summary>
public sealed class VersionWatch : IAsyncDisposable
{
    private readonly Func<HttpClient> _status;
    private readonly List<string> _regressions = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _highest;

    public VersionWatch(string name, Func<HttpClient> status)
    {
        Name = name;
        _status = status;
        _loop = Task.Run(RunAsync);
    }

    public string Name { get; }

    public long Highest => Interlocked.Read(ref _highest);

    public string? LastMode { get; private set; }

    public IReadOnlyList<string> Regressions
    {
        get
        {
            lock (_regressions)
            {
                return _regressions.ToList();
            }
        }
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(2));
                var status = JsonNode.Parse(await _status().GetStringAsync("/status", timeout.Token))!;
                var version = status["version"]!.GetValue<long>();
                LastMode = status["mode"]!.GetValue<string>();
                var highest = Highest;
                if (version < highest)
                {
                    lock (_regressions)
                    {
                        _regressions.Add($"{Name} served version {version} after {highest} (mode {LastMode})");
                    }
                }
                else
                {
                    Interlocked.Exchange(ref _highest, version);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or ObjectDisposedException)
            {
                // Down (a restart): nothing served, nothing to compare.
            }
            try
            {
                await Task.Delay(100, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
