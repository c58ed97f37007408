using System.Net;
using OrleansGateway.DataPlane.Proxy;

namespace OrleansGateway.DataPlane.Health;

/// <summary>
/// Probes the nodes of every upstream that has <c>checks.active</c> (HTTP GET of <c>http_path</c>, or a TCP connect
/// for <c>type: tcp</c>) at its healthy or unhealthy interval, and reports to <see cref="NodeHealth"/>.
/// </summary>
public sealed class ActiveHealthChecker(ProxyConfigHolder holder, TimeProvider time, ILogger<ActiveHealthChecker> logger) : BackgroundService
{
    private readonly Dictionary<string, DateTimeOffset> _due = new(StringComparer.Ordinal);
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(5) });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var probes = new List<Task>();
            foreach (var upstream in holder.Current.Upstreams.Values)
            {
                if (upstream.Checks?.Active is not { } active)
                {
                    continue;
                }
                var health = NodeHealth.Of(upstream);
                foreach (var node in upstream.Nodes)
                {
                    var key = $"{upstream.Key}|{node.Authority}";
                    if (_due.TryGetValue(key, out var due) && due > now)
                    {
                        continue;
                    }
                    _due[key] = now + (health.IsHealthy(node) ? active.HealthyInterval : active.UnhealthyInterval);
                    probes.Add(ProbeAsync(upstream, node, active, health, stoppingToken));
                }
            }
            await Task.WhenAll(probes);
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ProbeAsync(UpstreamDefinition upstream, UpstreamNode node, ActiveCheck active, NodeHealth health, CancellationToken stoppingToken)
    {
        var observation = await ObserveAsync(upstream, node, active, stoppingToken);
        if (health.Report(node, observation, active.Successes, active.HttpFailures, active.TcpFailures, active.Timeouts))
        {
            logger.LogWarning("Upstream {Upstream} node {Node} is now {State} (active check: {Observation})",
                upstream.Key, node.Authority, health.IsHealthy(node) ? "healthy" : "unhealthy", observation);
        }
    }

    private async Task<Observation> ObserveAsync(UpstreamDefinition upstream, UpstreamNode node, ActiveCheck active, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(active.Timeout);
        try
        {
            if (active.Type == "tcp")
            {
                using var socket = new System.Net.Sockets.TcpClient();
                await socket.ConnectAsync(node.Host, node.Port, timeout.Token);
                return Observation.Success;
            }
            var scheme = active.Type == "https" ? "https" : "http";
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{scheme}://{node.Authority}{active.HttpPath}");
            request.Headers.Host = active.Host ?? upstream.UpstreamHost ?? node.Authority;
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            return active.HealthyStatuses.Contains(status) ? Observation.Success : Observation.HttpFailure;
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return Observation.Timeout;
        }
        catch (Exception e) when (e is HttpRequestException or System.Net.Sockets.SocketException or IOException)
        {
            return Observation.TcpFailure;
        }
    }

    public override void Dispose()
    {
        _client.Dispose();
        base.Dispose();
    }
}
