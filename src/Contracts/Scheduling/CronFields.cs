namespace OrleansGateway.Contracts.Scheduling;

/// <summary>The parsed fields of a cron expression and the search for the next matching second.</summary>
internal sealed class CronFields
{
    private static readonly string[] Months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] Days = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    private bool[] _seconds = null!;
    private bool[] _minutes = null!;
    private bool[] _hours = null!;
    private bool[] _daysOfMonth = null!;
    private bool[] _months = null!;
    private bool[] _daysOfWeek = null!;
    private bool _domRestricted;
    private bool _dowRestricted;

    public static CronFields Parse(string expression)
    {
        var parts = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is not (5 or 6))
        {
            throw new FormatException($"\"{expression}\" has {parts.Length} fields: expected 5 (minute hour day month weekday) or 6 (second first)");
        }
        var offset = parts.Length - 5;
        var fields = new CronFields
        {
            _seconds = offset == 1 ? Field(parts[0], "second", 0, 59, null) : Only(0, 60),
            _minutes = Field(parts[offset], "minute", 0, 59, null),
            _hours = Field(parts[offset + 1], "hour", 0, 23, null),
            _daysOfMonth = Field(parts[offset + 2], "day of month", 1, 31, null),
            _months = Field(parts[offset + 3], "month", 1, 12, Months),
            _daysOfWeek = Field(parts[offset + 4], "day of week", 0, 7, Days),
            _domRestricted = parts[offset + 2] is not ("*" or "?"),
            _dowRestricted = parts[offset + 4] is not ("*" or "?"),
        };
        fields._daysOfWeek[0] |= fields._daysOfWeek[7]; // 7 is Sunday too
        return fields;
    }

    public DateTimeOffset Next(DateTimeOffset after)
    {
        var start = new DateTime(after.Year, after.Month, after.Day, after.Hour, after.Minute, after.Second, DateTimeKind.Utc).AddSeconds(1);
        var day = start.Date;
        for (var d = 0; d < 366 * 5; d++, day = day.AddDays(1))
        {
            if (!_months[day.Month] || !DayMatches(day))
            {
                continue;
            }
            var first = day == start.Date ? start : day;
            for (var h = first.Hour; h < 24; h++)
            {
                if (!_hours[h])
                {
                    continue;
                }
                var m0 = h == first.Hour && day == start.Date ? first.Minute : 0;
                for (var m = m0; m < 60; m++)
                {
                    if (!_minutes[m])
                    {
                        continue;
                    }
                    var s0 = h == first.Hour && m == first.Minute && day == start.Date ? first.Second : 0;
                    for (var s = s0; s < 60; s++)
                    {
                        if (_seconds[s])
                        {
                            return new DateTimeOffset(day.AddHours(h).AddMinutes(m).AddSeconds(s), TimeSpan.Zero);
                        }
                    }
                }
            }
        }
        throw new InvalidOperationException("the cron expression matches no time in the next five years");
    }

    private bool DayMatches(DateTime day)
    {
        var dom = _daysOfMonth[day.Day];
        var dow = _daysOfWeek[(int)day.DayOfWeek];
        // Standard cron: when both are restricted, either may match.
        return _domRestricted && _dowRestricted ? dom || dow : dom && dow;
    }

    private static bool[] Only(int value, int size)
    {
        var set = new bool[size];
        set[value] = true;
        return set;
    }

    private static bool[] Field(string text, string name, int min, int max, string[]? names)
    {
        var set = new bool[max + 1];
        foreach (var item in text.Split(','))
        {
            var step = 1;
            var range = item;
            var slash = item.IndexOf('/');
            if (slash >= 0)
            {
                if (!int.TryParse(item[(slash + 1)..], out step) || step < 1)
                {
                    throw new FormatException($"invalid step in {name} field \"{item}\"");
                }
                range = item[..slash];
            }
            int lo, hi;
            if (range is "*" or "?")
            {
                (lo, hi) = (min, max);
            }
            else
            {
                var dash = range.IndexOf('-');
                lo = Value(dash < 0 ? range : range[..dash], name, min, max, names);
                hi = dash < 0 ? (slash >= 0 ? max : lo) : Value(range[(dash + 1)..], name, min, max, names);
                if (hi < lo)
                {
                    throw new FormatException($"invalid range in {name} field \"{item}\"");
                }
            }
            for (var v = lo; v <= hi; v += step)
            {
                set[v] = true;
            }
        }
        return set;
    }

    private static int Value(string text, string name, int min, int max, string[]? names)
    {
        if (names is not null)
        {
            var index = Array.FindIndex(names, n => n.Equals(text, StringComparison.OrdinalIgnoreCase));
            if (index >= 0)
            {
                return index + (min == 1 ? 1 : 0);
            }
        }
        return int.TryParse(text, out var v) && v >= min && v <= max
            ? v
            : throw new FormatException($"invalid {name} \"{text}\": expected {min}-{max}");
    }
}
