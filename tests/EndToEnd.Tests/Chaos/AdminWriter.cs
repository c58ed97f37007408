using System.Text;
using System.Text.Json.Nodes;

namespace OrleansGateway.EndToEnd.Tests.Chaos;

/// <summary>
/// A steady stream of Admin API writes (one new route at a time), spread over the silos in turn. Every write the
/// API acknowledged with a 2xx is remembered with the version it was given, to be looked for after the storm.
/// </summary>
public sealed class AdminWriter : IAsyncDisposable
{
    private readonly IReadOnlyList<HttpClient> _admins;
    private readonly List<(string Id, long Version)> _acked = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private volatile bool _paused;
    private int _attempted;

    public AdminWriter(IReadOnlyList<HttpClient> admins)
    {
        _admins = admins;
        _loop = Task.Run(RunAsync);
    }

    public int Attempted => Volatile.Read(ref _attempted);

    public IReadOnlyList<(string Id, long Version)> Acknowledged
    {
        get
        {
            lock (_acked)
            {
                return _acked.ToList();
            }
        }
    }

    /// <summary>Holds the writes (to read a stable version while measuring convergence).</summary>
    public bool Paused
    {
        get => _paused;
        set => _paused = value;
    }

    private async Task RunAsync()
    {
        var i = 0;
        while (!_stop.IsCancellationRequested)
        {
            if (_paused)
            {
                await Delay(50);
                continue;
            }
            var id = $"chaos-{i}";
            var admin = _admins[i % _admins.Count];
            i++;
            Interlocked.Increment(ref _attempted);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                var body = new StringContent($$"""{"uri":"/chaos/{{id}}","upstream_id":"1"}""", Encoding.UTF8, "application/json");
                using var response = await admin.PutAsync($"/apisix/admin/routes/{id}", body, timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    var version = JsonNode.Parse(await response.Content.ReadAsStringAsync(timeout.Token))!["modifiedIndex"]!.GetValue<long>();
                    lock (_acked)
                    {
                        _acked.Add((id, version));
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                // Not acknowledged: the writer may not count on it, and neither does the check.
            }
            await Delay(25);
        }
    }

    private async Task Delay(int ms)
    {
        try
        {
            await Task.Delay(ms, _stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
