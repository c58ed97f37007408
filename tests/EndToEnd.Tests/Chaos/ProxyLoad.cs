using System.Diagnostics;
using System.Net;

namespace OrleansGateway.EndToEnd.Tests.Chaos;

/// <summary>
/// Steady proxied traffic against one data plane: one request every few milliseconds, each outcome kept with its
/// time, so that failures can be told apart by when they happened (inside a planned restart or not).
/// </summary>
public sealed class ProxyLoad : IAsyncDisposable
{
    private readonly Func<HttpClient> _client;
    private readonly string _path;
    private readonly List<(TimeSpan At, string Outcome)> _failures = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock;
    private readonly Task _loop;
    private long _ok;

    /// <param name="client">The DP's proxy client, asked anew per request (the DP may be replaced by a restart).</param>
    public ProxyLoad(string name, Func<HttpClient> client, string path, Stopwatch clock)
    {
        Name = name;
        _client = client;
        _path = path;
        _clock = clock;
        _loop = Task.Run(RunAsync);
    }

    public string Name { get; }

    public long Succeeded => Interlocked.Read(ref _ok);

    public IReadOnlyList<(TimeSpan At, string Outcome)> Failures
    {
        get
        {
            lock (_failures)
            {
                return _failures.ToList();
            }
        }
    }

    private async Task RunAsync()
    {
        // Bounded: at most one request per 10 ms for as long as the suite runs (it stops the load itself).
        while (!_stop.IsCancellationRequested)
        {
            string? failure;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                using var response = await _client().GetAsync(_path, timeout.Token);
                failure = response.StatusCode == HttpStatusCode.OK ? null : $"HTTP {(int)response.StatusCode}";
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or ObjectDisposedException)
            {
                failure = e.GetType().Name + ": " + e.Message;
            }
            if (failure is null)
            {
                Interlocked.Increment(ref _ok);
            }
            else
            {
                lock (_failures)
                {
                    _failures.Add((_clock.Elapsed, failure));
                }
            }
            try
            {
                await Task.Delay(10, _stop.Token);
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
