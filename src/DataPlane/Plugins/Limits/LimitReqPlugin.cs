using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using StackExchange.Redis;

namespace OrleansGateway.DataPlane.Plugins.Limits;

/// <summary>
/// <c>limit-req</c>: a leaky bucket per key draining <c>rate</c> requests a second with room for <c>burst</c> more, as
/// APISIX (nginx's limit_req): a request that finds the bucket fuller than <c>burst</c> is refused
/// (<c>rejected_code</c>, 503) and does not fill it; one that fits waits until its turn (<c>excess / rate</c>
/// seconds) unless <c>nodelay</c>. Counted in this process or, with <c>policy: redis</c> / <c>redis-cluster</c>,
/// atomically in a Redis every data plane shares; when Redis fails: 500, or through with <c>allow_degradation</c>.
/// </summary>
public sealed class LimitReqPlugin : ProxyPlugin
{
    // State (excess in thousandths of a request, last in ms) per key; refused requests leave it as it was.
    private const string BucketScript = """
        local rate = tonumber(ARGV[1])
        local burst = tonumber(ARGV[2])
        local now = tonumber(ARGV[3])
        local state = redis.call('hmget', KEYS[1], 'excess', 'last')
        local excess = 0
        if state[1] and state[2] then
          excess = math.max(tonumber(state[1]) - rate * math.abs(now - tonumber(state[2])) / 1000 + 1000, 0)
          if excess > burst then
            return {0, tostring(excess)}
          end
        end
        redis.call('hset', KEYS[1], 'excess', tostring(excess), 'last', tostring(now))
        redis.call('expire', KEYS[1], tonumber(ARGV[4]))
        return {1, tostring(excess)}
        """;

    private static readonly ConcurrentDictionary<string, Bucket> Buckets = new(StringComparer.Ordinal);
    private static long _counted;
    private readonly double _rate;
    private readonly double _burst;
    private readonly LimitKey _key;
    private readonly bool _nodelay;
    private readonly int _rejectedCode;
    private readonly object? _rejectedBody;
    private readonly bool _allowDegradation;
    private readonly string _scope;
    private readonly RedisTarget? _redis;
    private readonly TimeProvider _time;

    public LimitReqPlugin(JsonObject config, string scope, PluginEnvironment environment) : base("limit-req", 1001, PluginPhase.Access)
    {
        _rate = config["rate"]!.GetValue<double>() * 1000;
        _burst = config["burst"]!.GetValue<double>() * 1000;
        _key = new LimitKey(config);
        _nodelay = config["nodelay"]?.GetValue<bool>() ?? false;
        _rejectedCode = config["rejected_code"]?.GetValue<int>() ?? 503;
        _rejectedBody = Text(config, "rejected_msg") is { } message ? new { error_msg = message } : null;
        _allowDegradation = config["allow_degradation"]?.GetValue<bool>() ?? false;
        _scope = scope;
        _redis = RedisTarget.From(config);
        _time = environment.Time;
    }

    public override async ValueTask<bool> OnRequestAsync(PluginContext context)
    {
        var key = $"{_scope}:{_key.Of(context)}";
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        bool admitted;
        double excess;
        if (_redis is null)
        {
            (admitted, excess) = Buckets.GetOrAdd(key, static _ => new Bucket()).Incoming(nowMs, _rate, _burst);
            if ((Interlocked.Increment(ref _counted) & 1023) == 0 && Buckets.Count > 100_000)
            {
                Prune(nowMs);
            }
        }
        else
        {
            try
            {
                var database = await _redis.DatabaseAsync();
                var ttl = (long)Math.Ceiling(_burst / _rate) + 1;
                var result = (RedisResult[])(await database.ScriptEvaluateAsync(BucketScript, [(RedisKey)$"limit_req:{key}"],
                    [_rate, _burst, nowMs, ttl]))!;
                (admitted, excess) = ((int)result[0] == 1, double.Parse((string)result[1]!, CultureInfo.InvariantCulture));
            }
            catch (Exception e) when (RedisTarget.IsRedisFailure(e))
            {
                PluginDiagnostics.Warn(Name, "redis", $"failed to limit req: {e.Message}");
                return _allowDegradation || await RespondAsync(context, 500, null);
            }
        }
        if (!admitted)
        {
            return await RespondAsync(context, _rejectedCode, _rejectedBody);
        }
        var delay = TimeSpan.FromSeconds(excess / _rate);
        if (!_nodelay && delay >= TimeSpan.FromMilliseconds(1))
        {
            try
            {
                await Task.Delay(delay, _time, context.Http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return false; // the client left while waiting its turn
            }
        }
        return true;
    }

    /// <summary>Forgets buckets idle for ten minutes (drained by then at any rate a limit is worth keeping for).</summary>
    private static void Prune(long nowMs)
    {
        foreach (var (key, bucket) in Buckets)
        {
            if (bucket.IdleFor(nowMs) > 600_000)
            {
                Buckets.TryRemove(key, out _);
            }
        }
    }

    /// <summary>One key's bucket: how full (thousandths of a request) as of when.</summary>
    private sealed class Bucket
    {
        private double _excess;
        private long _last;
        private bool _started;

        public (bool Admitted, double Excess) Incoming(long nowMs, double rate, double burst)
        {
            lock (this)
            {
                var excess = 0.0;
                if (_started)
                {
                    excess = Math.Max(_excess - rate * Math.Abs(nowMs - _last) / 1000 + 1000, 0);
                    if (excess > burst)
                    {
                        return (false, excess);
                    }
                }
                (_excess, _last, _started) = (excess, nowMs, true);
                return (true, excess);
            }
        }

        public long IdleFor(long nowMs)
        {
            lock (this)
            {
                return nowMs - _last;
            }
        }
    }
}
