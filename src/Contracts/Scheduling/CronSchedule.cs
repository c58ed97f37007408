using System.Globalization;

namespace OrleansGateway.Contracts.Scheduling;

/// <summary>
/// A schedule in the forms API7's <c>cron_spec</c> accepts: <c>@every 30s</c> (Go durations), the descriptors
/// <c>@yearly @annually @monthly @weekly @daily @midnight @hourly</c>, and 5-field (minute hour day month weekday) or
/// 6-field (second first) cron expressions with <c>*</c>, lists, ranges, steps and month/day names. Times are UTC.
/// </summary>
public sealed class CronSchedule
{
    private readonly TimeSpan? _every;
    private readonly CronFields? _fields;

    private CronSchedule(string text, TimeSpan? every, CronFields? fields)
    {
        Text = text;
        _every = every;
        _fields = fields;
    }

    /// <summary>The spec as written.</summary>
    public string Text { get; }

    /// <summary>For <c>@every</c>, the interval.</summary>
    public TimeSpan? Interval => _every;

    /// <summary>Parses a spec; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static CronSchedule Parse(string spec)
    {
        var text = spec.Trim();
        if (text.StartsWith("@every", StringComparison.Ordinal))
        {
            var duration = text["@every".Length..].Trim();
            if (!TryParseDuration(duration, out var every) || every < TimeSpan.FromSeconds(1))
            {
                throw new FormatException($"\"@every {duration}\" needs a duration of at least 1s, such as 30s, 1m or 1h30m");
            }
            return new CronSchedule(text, every, null);
        }
        var expression = text switch
        {
            "@yearly" or "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" or "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            _ when text.StartsWith('@') => throw new FormatException($"unknown descriptor \"{text}\": expected @every <duration>, @yearly, @monthly, @weekly, @daily, @midnight or @hourly"),
            _ => text,
        };
        return new CronSchedule(text, null, CronFields.Parse(expression));
    }

    /// <summary>The first run strictly after <paramref name="after"/>.</summary>
    public DateTimeOffset Next(DateTimeOffset after) =>
        _every is { } every ? after + every : _fields!.Next(after.ToUniversalTime());

    /// <summary>
    /// The first run of the schedule for <paramref name="key"/> strictly after <paramref name="after"/>. An
    /// <c>@every</c> interval runs at a fixed phase of the wall clock derived from the key (a stable hash): 1,000 groups
    /// on <c>@every 1m</c> spread evenly over the minute, each at the same second of every minute on any silo and after
    /// any restart, rather than all together a minute after the silo started. Cron expressions run when they say.
    /// </summary>
    public DateTimeOffset Next(DateTimeOffset after, string key)
    {
        if (_every is not { } every)
        {
            return Next(after);
        }
        var period = every.Ticks;
        var phase = (long)(StableHash(key) % (ulong)period);
        var ticks = after.UtcTicks;
        var next = ticks - Mod(ticks - phase, period) + period;
        return new DateTimeOffset(next, TimeSpan.Zero);

        static long Mod(long a, long m) => ((a % m) + m) % m;
    }

    /// <summary>FNV-1a over the UTF-16 code units: the same for a key in every process (string.GetHashCode is not).</summary>
    private static ulong StableHash(string key)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }
        return hash;
    }

    /// <summary>Go-style durations: <c>1h30m</c>, <c>10s</c>, <c>250ms</c>.</summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var i = 0;
        var any = false;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }
            if (start == i || !double.TryParse(text[start..i], NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
            {
                return false;
            }
            var unitStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i]))
            {
                i++;
            }
            value += text[unitStart..i] switch
            {
                "h" => TimeSpan.FromHours(n),
                "m" => TimeSpan.FromMinutes(n),
                "s" => TimeSpan.FromSeconds(n),
                "ms" => TimeSpan.FromMilliseconds(n),
                _ => TimeSpan.MinValue,
            };
            if (value < TimeSpan.Zero)
            {
                return false;
            }
            any = true;
        }
        return any;
    }
}
