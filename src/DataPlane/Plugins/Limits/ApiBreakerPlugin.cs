using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace OrleansGateway.DataPlane.Plugins.Limits;

/// <summary>
/// <c>api-breaker</c>, APISIX's circuit breaker: upstream answers with an <c>unhealthy.http_statuses</c> status
/// (500) are counted; each <c>unhealthy.failures</c>-th (3) opens the circuit, and while open the gateway answers
/// <c>break_response_code</c> itself (with <c>break_response_body</c> and its <c>break_response_headers</c>) for
/// 2^n seconds, n the number of failure rounds, at most <c>max_breaker_sec</c> (300). Then requests go through
/// again; <c>healthy.successes</c> (3) answers with a <c>healthy.http_statuses</c> status (200) close it and forget
/// the failures. As APISIX, the state belongs to the host and path (not the route), kept in this process.
/// </summary>
public sealed class ApiBreakerPlugin : ProxyPlugin
{
    private static readonly ConcurrentDictionary<string, State> States = new(StringComparer.Ordinal);
    private static long _failuresSeen;

    /// <summary>Forgets hosts and paths with no failure for ten minutes (their break is long over).</summary>
    private static void Prune(DateTimeOffset now)
    {
        foreach (var (key, state) in States)
        {
            if (state.QuietFor(now) > TimeSpan.FromMinutes(10))
            {
                States.TryRemove(key, out _);
            }
        }
    }
    private readonly int _code;
    private readonly string? _body;
    private readonly (string Name, VarTemplate Value)[] _headers;
    private readonly TimeSpan _maxBreak;
    private readonly HashSet<int> _unhealthy;
    private readonly int _failures;
    private readonly HashSet<int> _healthy;
    private readonly int _successes;
    private readonly TimeProvider _time;

    public ApiBreakerPlugin(JsonObject config, PluginEnvironment environment) : base("api-breaker", 1005, PluginPhase.Access)
    {
        _code = config["break_response_code"]!.GetValue<int>();
        _body = Text(config, "break_response_body");
        _headers = (config["break_response_headers"] as JsonArray ?? [])
            .Select(h => (h!["key"]!.GetValue<string>(), VarTemplate.Parse(h["value"]!.GetValue<string>()))).ToArray();
        _maxBreak = TimeSpan.FromSeconds(config["max_breaker_sec"]?.GetValue<int>() ?? 300);
        _unhealthy = Statuses(config["unhealthy"]?["http_statuses"], 500);
        _failures = config["unhealthy"]?["failures"]?.GetValue<int>() ?? 3;
        _healthy = Statuses(config["healthy"]?["http_statuses"], 200);
        _successes = config["healthy"]?["successes"]?.GetValue<int>() ?? 3;
        _time = environment.Time;
    }

    private static HashSet<int> Statuses(JsonNode? node, int fallback) =>
        node is JsonArray statuses ? statuses.Select(s => s!.GetValue<int>()).ToHashSet() : [fallback];

    public override bool HasLogPhase => true;

    private static string KeyOf(PluginContext context) => context.Http.Request.Host.Host + context.Http.Request.Path.Value;

    public override ValueTask<bool> OnRequestAsync(PluginContext context)
    {
        if (!States.TryGetValue(KeyOf(context), out var state) || !state.IsOpen(_time.GetUtcNow(), _failures, _maxBreak))
        {
            return ValueTask.FromResult(true);
        }
        if (_body is null)
        {
            context.Http.Response.StatusCode = _code; // as APISIX: headers only come with a body
            return ValueTask.FromResult(false);
        }
        var response = context.Http.Response;
        response.StatusCode = _code;
        foreach (var (name, value) in _headers)
        {
            response.Headers.Append(name, value.Resolve(context).Text);
        }
        return WriteAsync(response, _body);
    }

    private static async ValueTask<bool> WriteAsync(HttpResponse response, string body)
    {
        await response.WriteAsync(body);
        return false;
    }

    public override void OnLog(PluginContext context)
    {
        if (context.UpstreamStatus is not { } status)
        {
            return; // the breaker (or another plugin) answered: nothing to learn about the upstream
        }
        if (_unhealthy.Contains(status))
        {
            if ((Interlocked.Increment(ref _failuresSeen) & 1023) == 0 && States.Count > 10_000)
            {
                Prune(_time.GetUtcNow());
            }
            States.GetOrAdd(KeyOf(context), static _ => new State()).Failed(_time.GetUtcNow(), _failures);
        }
        else if (_healthy.Contains(status) && States.TryGetValue(KeyOf(context), out var state) && state.Succeeded(_successes))
        {
            States.TryRemove(new KeyValuePair<string, State>(KeyOf(context), state)); // closed: nothing left to remember
        }
    }

    private sealed class State
    {
        private int _unhealthy;
        private int _healthy;
        private DateTimeOffset? _openedAt;

        public bool IsOpen(DateTimeOffset now, int failures, TimeSpan maxBreak)
        {
            lock (this)
            {
                if (_unhealthy == 0 || _openedAt is not { } openedAt || now - openedAt > maxBreak)
                {
                    return false;
                }
                var rounds = Math.Max(1, _unhealthy / failures);
                var seconds = Math.Min(Math.Pow(2, rounds), maxBreak.TotalSeconds);
                return openedAt + TimeSpan.FromSeconds(seconds) >= now;
            }
        }

        private DateTimeOffset _lastFailure;

        public TimeSpan QuietFor(DateTimeOffset now)
        {
            lock (this)
            {
                return now - _lastFailure;
            }
        }

        public void Failed(DateTimeOffset now, int failures)
        {
            lock (this)
            {
                _lastFailure = now;
                _unhealthy++;
                _healthy = 0;
                if (_unhealthy % failures == 0)
                {
                    _openedAt = now;
                }
            }
        }

        /// <summary>Counts a healthy answer; true when it closed the circuit (the failures are forgotten).</summary>
        public bool Succeeded(int successes)
        {
            lock (this)
            {
                if (_unhealthy == 0)
                {
                    return false;
                }
                if (++_healthy >= successes)
                {
                    (_unhealthy, _healthy, _openedAt) = (0, 0, null);
                    return true;
                }
                return false;
            }
        }
    }
}
