using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using StackExchange.Redis;

namespace OrleansGateway.DataPlane.Plugins.Limits;

/// <summary>
/// <c>limit-count</c>: at most <c>count</c> requests per <c>time_window</c> seconds per key (<see cref="LimitKey"/>),
/// fixed windows, counted in this process (<c>policy: local</c>) or in a Redis every data plane of the group shares
/// (<c>redis</c>, <c>redis-cluster</c>), under the plugin's scope (its owner and configuration, or its <c>group</c>).
/// Over the limit: <c>rejected_code</c> (503), with <c>{"error_msg": rejected_msg}</c> when set. With
/// <c>show_limit_quota_header</c> (default) every answer carries the limit, the remaining count and the seconds to the
/// window's end, named as the plugin's metadata says (<c>X-RateLimit-Limit</c>, <c>-Remaining</c>, <c>-Reset</c>).
/// When Redis fails: 500 <c>{"error_msg":"failed to limit count"}</c>, or the request passes unlimited with
/// <c>allow_degradation</c>, as APISIX. Local counters live outside the compiled configuration, so they survive
/// configuration changes that do not change the plugin.
/// </summary>
public sealed class LimitCountPlugin : ProxyPlugin
{
    private const string CountScript = """
        local ttl = redis.call('pttl', KEYS[1])
        if ttl < 0 then
          redis.call('set', KEYS[1], ARGV[2], 'EX', ARGV[1])
          return {tonumber(ARGV[2]), tonumber(ARGV[1]) * 1000}
        end
        return {redis.call('incrby', KEYS[1], ARGV[2]), ttl}
        """;

    private static readonly ConcurrentDictionary<(string Scope, string Key), Window> Windows = new();
    private static long _counted;
    private readonly int _count;
    private readonly TimeSpan _window;
    private readonly LimitKey _key;
    private readonly int _rejectedCode;
    private readonly object? _rejectedBody;
    private readonly bool _showHeaders;
    private readonly bool _allowDegradation;
    private readonly string _scope;
    private readonly RedisTarget? _redis;
    private readonly TimeProvider _time;
    private readonly (string Limit, string Remaining, string Reset) _headers;
    private readonly string _countText;

    public LimitCountPlugin(JsonObject config, string scope, PluginEnvironment environment) : base("limit-count", 1002, PluginPhase.Access)
    {
        _count = config["count"]!.GetValue<int>();
        _countText = _count.ToString(CultureInfo.InvariantCulture);
        _window = TimeSpan.FromSeconds(config["time_window"]!.GetValue<int>());
        _key = new LimitKey(config);
        _rejectedCode = config["rejected_code"]?.GetValue<int>() ?? 503;
        _rejectedBody = Text(config, "rejected_msg") is { } message ? new { error_msg = message } : null;
        _showHeaders = config["show_limit_quota_header"]?.GetValue<bool>() ?? true;
        _allowDegradation = config["allow_degradation"]?.GetValue<bool>() ?? false;
        _scope = Text(config, "group") ?? scope;
        _redis = RedisTarget.From(config);
        _time = environment.Time;
        var metadata = environment.Metadata("limit-count");
        _headers = (Text(metadata, "limit_header") ?? "X-RateLimit-Limit", Text(metadata, "remaining_header") ?? "X-RateLimit-Remaining",
            Text(metadata, "reset_header") ?? "X-RateLimit-Reset");
    }

    public override async ValueTask<bool> OnRequestAsync(PluginContext context)
    {
        var key = _key.Of(context);
        int used;
        double resetSeconds;
        if (_redis is null)
        {
            (used, resetSeconds) = CountLocally(key);
        }
        else
        {
            try
            {
                (used, resetSeconds) = await CountInRedisAsync($"{_scope}:{key}");
            }
            catch (Exception e) when (RedisTarget.IsRedisFailure(e))
            {
                PluginDiagnostics.Warn(Name, "redis", $"failed to limit count: {e.Message}");
                return _allowDegradation || await RespondAsync(context, 500, new { error_msg = "failed to limit count" });
            }
        }
        if (_showHeaders)
        {
            var headers = context.Http.Response.Headers;
            headers[_headers.Limit] = _countText;
            headers[_headers.Remaining] = Math.Max(0, _count - used).ToString(CultureInfo.InvariantCulture);
            headers[_headers.Reset] = ((int)Math.Ceiling(resetSeconds)).ToString(CultureInfo.InvariantCulture);
        }
        return used <= _count || await RespondAsync(context, _rejectedCode, _rejectedBody);
    }

    private (int Used, double ResetSeconds) CountLocally(string key)
    {
        var now = _time.GetUtcNow();
        var window = Windows.GetOrAdd((_scope, key), static (_, now) => new Window(now), now);
        var (used, start) = window.Count(now, _window);
        // Now and then (not every request: the map's Count takes all its locks), forget windows over for a minute.
        if ((Interlocked.Increment(ref _counted) & 1023) == 0 && Windows.Count > 100_000)
        {
            Prune(now);
        }
        return (used, (start + _window - now).TotalSeconds);
    }

    private async Task<(int Used, double ResetSeconds)> CountInRedisAsync(string key)
    {
        var database = await _redis!.DatabaseAsync();
        var result = (RedisResult[])(await database.ScriptEvaluateAsync(CountScript,
            [(RedisKey)$"plugin-limit-count:v1:{key}"], [(int)_window.TotalSeconds, 1]))!;
        return ((int)result[0], (long)result[1] / 1000.0);
    }

    private static void Prune(DateTimeOffset now)
    {
        foreach (var (key, window) in Windows)
        {
            if (window.OverFor(now) > TimeSpan.FromMinutes(1))
            {
                Windows.TryRemove(key, out _);
            }
        }
    }

    /// <summary>One key's fixed window: when it started and how many requests it counted (a new one starts when it is over).</summary>
    private sealed class Window(DateTimeOffset start)
    {
        private DateTimeOffset _start = start;
        private TimeSpan _length;
        private int _used;

        public (int Used, DateTimeOffset Start) Count(DateTimeOffset now, TimeSpan length)
        {
            lock (this)
            {
                _length = length;
                if (now - _start >= length)
                {
                    (_start, _used) = (now, 0);
                }
                return (++_used, _start);
            }
        }

        /// <summary>How long ago this window ended (negative while it lasts): by its own length, whoever asks.</summary>
        public TimeSpan OverFor(DateTimeOffset now)
        {
            lock (this)
            {
                return now - (_start + _length);
            }
        }
    }
}
