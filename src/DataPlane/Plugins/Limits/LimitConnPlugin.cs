using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using StackExchange.Redis;

namespace OrleansGateway.DataPlane.Plugins.Limits;

/// <summary>
/// <c>limit-conn</c>: at most <c>conn</c> requests in flight per key, <c>burst</c> more delayed by
/// <c>default_conn_delay</c> for each <c>conn</c> ahead of them, the rest refused (<c>rejected_code</c>, 503), as
/// APISIX. A slot is held until the response is complete (also when it failed or another plugin answered).
/// <c>conn</c> and <c>burst</c> may be texts with variables, resolved per request; <c>rules</c> apply several limits,
/// each with its own key (a rule whose key or values do not resolve is skipped). Counted in this process or, with
/// <c>policy: redis</c> / <c>redis-cluster</c>, in a Redis sorted set every data plane shares, whose entries expire
/// after <c>key_ttl</c> seconds should a data plane die holding them.
/// </summary>
public sealed class LimitConnPlugin : ProxyPlugin
{
    private const string AcquireScript = """
        local now = tonumber(ARGV[1])
        redis.call('zremrangebyscore', KEYS[1], 0, now)
        local count = redis.call('zcard', KEYS[1])
        if count >= tonumber(ARGV[2]) then
          return {0, count}
        end
        redis.call('zadd', KEYS[1], now + tonumber(ARGV[3]), ARGV[4])
        redis.call('expire', KEYS[1], tonumber(ARGV[3]))
        return {1, count + 1}
        """;

    private static readonly ConcurrentDictionary<string, Slots> InFlight = new(StringComparer.Ordinal);

    /// <summary>Keys with requests in flight that contain <paramref name="fragment"/> (for tests: a key whose last request left is gone).</summary>
    internal static int KeysInFlight(string fragment) => InFlight.Keys.Count(k => k.Contains(fragment, StringComparison.Ordinal));
    private readonly Rule[] _rules;
    private readonly bool _fromRules;
    private readonly LimitKey? _key;
    private readonly double _delay;
    private readonly int _rejectedCode;
    private readonly object? _rejectedBody;
    private readonly bool _allowDegradation;
    private readonly string _scope;
    private readonly RedisTarget? _redis;
    private readonly long _keyTtl;
    private readonly TimeProvider _time;

    public LimitConnPlugin(JsonObject config, string scope, PluginEnvironment environment) : base("limit-conn", 1003, PluginPhase.Access)
    {
        _fromRules = config["rules"] is JsonArray;
        _rules = config["rules"] is JsonArray rules
            ? rules.Select(r => new Rule(Value.Of(r!["conn"]), Value.Of(r["burst"]), VarTemplate.Parse(r["key"]!.GetValue<string>()))).ToArray()
            : [new Rule(Value.Of(config["conn"]), Value.Of(config["burst"]), null)];
        _key = _fromRules ? null : new LimitKey(config);
        _delay = config["default_conn_delay"]!.GetValue<double>();
        _rejectedCode = config["rejected_code"]?.GetValue<int>() ?? 503;
        _rejectedBody = Text(config, "rejected_msg") is { } message ? new { error_msg = message } : null;
        _allowDegradation = config["allow_degradation"]?.GetValue<bool>() ?? false;
        _scope = scope;
        _redis = RedisTarget.From(config);
        _keyTtl = config["key_ttl"]?.GetValue<long>() ?? 3600;
        _time = environment.Time;
    }

    public override async ValueTask<bool> OnRequestAsync(PluginContext context)
    {
        var applied = 0;
        foreach (var rule in _rules)
        {
            var conn = rule.Conn.Resolve(context, positive: true, out var connError);
            var burst = rule.Burst.Resolve(context, positive: false, out var burstError);
            string? key;
            if (rule.Key is { } template)
            {
                var (text, resolved) = template.Resolve(context);
                key = resolved > 0 ? text : null;
            }
            else
            {
                key = _key!.Of(context);
            }
            if ((connError ?? burstError) is { } error)
            {
                if (_fromRules)
                {
                    continue; // as APISIX: a rule whose values do not resolve is skipped
                }
                PluginDiagnostics.Warn(Name, "rules", $"failed to get limit conn rules: {error}");
                return _allowDegradation || await RespondAsync(context, 500, null);
            }
            if (key is null)
            {
                continue;
            }
            applied++;
            var outcome = await AcquireAsync(context, $"{_scope}:{key}", conn, burst);
            if (outcome is not { } inFlight)
            {
                return _allowDegradation || await RespondAsync(context, 500, null);
            }
            if (inFlight < 0)
            {
                return await RespondAsync(context, _rejectedCode, _rejectedBody);
            }
            if (inFlight > conn && await WaitAsync(context, TimeSpan.FromSeconds(_delay * Math.Floor((inFlight - 1) / (double)conn))) is false)
            {
                return false;
            }
        }
        if (applied == 0)
        {
            PluginDiagnostics.Warn(Name, "rules", "failed to get limit conn rules: no rule applies to the request");
            return _allowDegradation || await RespondAsync(context, 500, null);
        }
        return true;
    }

    /// <summary>Takes a slot: how many are in flight with it, -1 when over the limit, null when Redis failed.</summary>
    private async ValueTask<long?> AcquireAsync(PluginContext context, string key, long conn, long burst)
    {
        if (_redis is null)
        {
            while (true)
            {
                var slots = InFlight.GetOrAdd(key, static _ => new Slots());
                if (slots.TryTake(conn + burst) is { } now)
                {
                    if (now > 0)
                    {
                        context.Hold(new LocalSlot(key, slots));
                    }
                    return now;
                }
                // Emptied and removed by its last holder meanwhile: take from the key's new counter.
            }
        }
        try
        {
            var database = await _redis.DatabaseAsync();
            var id = Guid.NewGuid().ToString("N");
            var redisKey = (RedisKey)$"limit_conn:{key}";
            var seconds = _time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
            var result = (RedisResult[])(await database.ScriptEvaluateAsync(AcquireScript, [redisKey], [seconds, conn + burst, _keyTtl, id]))!;
            if ((int)result[0] == 0)
            {
                return -1;
            }
            context.Hold(new RedisSlot(database, redisKey, id));
            return (long)result[1];
        }
        catch (Exception e) when (RedisTarget.IsRedisFailure(e))
        {
            PluginDiagnostics.Warn(Name, "redis", $"failed to limit conn: {e.Message}");
            return null;
        }
    }

    private async ValueTask<bool> WaitAsync(PluginContext context, TimeSpan delay)
    {
        if (delay < TimeSpan.FromMilliseconds(1))
        {
            return true;
        }
        try
        {
            await Task.Delay(delay, _time, context.Http.RequestAborted);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private sealed record Rule(Value Conn, Value Burst, VarTemplate? Key);

    /// <summary><c>conn</c> or <c>burst</c>: a number, or a text with variables checked as APISIX checks it once resolved.</summary>
    private sealed class Value(long constant, VarTemplate? template)
    {
        public static Value Of(JsonNode? node) =>
            node is JsonValue v && v.TryGetValue<string>(out var text) ? new Value(0, VarTemplate.Parse(text)) : new Value(node?.GetValue<long>() ?? 0, null);

        public long Resolve(PluginContext context, bool positive, out string? error)
        {
            error = null;
            if (template is null)
            {
                return constant;
            }
            var (text, _) = template.Resolve(context);
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                error = $"resolved value is not a number: {text}";
            }
            else if (positive ? number <= 0 : number < 0)
            {
                error = $"resolved value must be a {(positive ? "positive" : "non-negative")} number, got: {text}";
            }
            else if (number != Math.Floor(number))
            {
                error = $"resolved value must be an integer, got: {text}";
            }
            else if (number > 9007199254740991)
            {
                error = $"resolved value exceeds safe integer range (2^53-1), got: {text}";
            }
            return error is null ? (long)number : 0;
        }
    }

    /// <summary>A key's slots in use; once its last holder left it is removed from the map and never taken from again.</summary>
    private sealed class Slots
    {
        private int _used;
        private bool _removed;

        /// <summary>How many are in use with this one, -1 when over <paramref name="limit"/>, null when this counter is gone.</summary>
        public long? TryTake(long limit)
        {
            lock (this)
            {
                if (_removed)
                {
                    return null;
                }
                if (_used >= limit)
                {
                    return -1;
                }
                return ++_used;
            }
        }

        public void Give(string key)
        {
            lock (this)
            {
                if (--_used == 0)
                {
                    _removed = true;
                    InFlight.TryRemove(new KeyValuePair<string, Slots>(key, this));
                }
            }
        }
    }

    private sealed class LocalSlot(string key, Slots slots) : IRequestLease
    {
        /// <summary>Gives the slot back; the last one out removes the key, so keys of gone clients do not pile up.</summary>
        public void Release() => slots.Give(key);
    }

    private sealed class RedisSlot(IDatabase database, RedisKey key, string id) : IRequestLease
    {
        public void Release() => database.SortedSetRemove(key, id, CommandFlags.FireAndForget);
    }
}
