using OrleansGateway.Contracts.Scheduling;

namespace OrleansGateway.Contracts.Tests.Scheduling;

public class CronScheduleTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 25, 17, 42, 13, TimeSpan.Zero); // a Wednesday

    [Theory]
    [InlineData("@every 10s", "2026-11-25T17:42:23Z")]
    [InlineData("@every 1m", "2026-11-25T17:43:13Z")]
    [InlineData("@every 1h30m", "2026-11-25T19:12:13Z")]
    [InlineData("@hourly", "2026-11-25T18:00:00Z")]
    [InlineData("@daily", "2026-11-26T00:00:00Z")]
    [InlineData("@midnight", "2026-11-26T00:00:00Z")]
    [InlineData("@weekly", "2026-11-29T00:00:00Z")]
    [InlineData("@monthly", "2026-12-01T00:00:00Z")]
    [InlineData("@yearly", "2027-01-01T00:00:00Z")]
    [InlineData("*/5 * * * *", "2026-11-25T17:45:00Z")]
    [InlineData("0 9-17/2 * * MON-FRI", "2026-11-26T09:00:00Z")]
    [InlineData("30 0 1,15 * *", "2026-12-01T00:30:00Z")]
    [InlineData("*/20 * * * * *", "2026-11-25T17:42:20Z")]
    [InlineData("0 0 0 29 FEB *", "2028-02-29T00:00:00Z")]
    [InlineData("0 0 13 * 5", "2026-11-27T00:00:00Z")] // day 13 or any Friday: the Friday comes first
    [InlineData("0 12 * * 7", "2026-11-29T12:00:00Z")] // 7 is Sunday
    public void Next_run_is_the_first_match_after(string spec, string expected)
    {
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), CronSchedule.Parse(spec).Next(At));
    }

    [Fact]
    public void Every_runs_at_a_fixed_phase_per_key_spread_over_the_period()
    {
        var every = CronSchedule.Parse("@every 1m");
        var phases = new List<double>();
        for (var g = 0; g < 1000; g++)
        {
            var key = $"group-{g}";
            var first = every.Next(At, key);
            Assert.InRange(first, At.AddTicks(1), At.AddMinutes(1));
            // The same second of every minute, from any starting point, in any process.
            Assert.Equal(first.AddMinutes(1), every.Next(first, key));
            Assert.Equal(first.AddMinutes(1), every.Next(first.AddTicks(1), key));
            Assert.Equal(first, every.Next(At.AddMinutes(-3).AddTicks(1), key).AddMinutes(3));
            phases.Add((first - At).TotalSeconds);
        }
        // Spread: every 6 s slice of the minute holds about a tenth of the 1,000 groups.
        var slices = phases.GroupBy(p => (int)(p / 6)).ToDictionary(s => s.Key, s => s.Count());
        Assert.Equal(10, slices.Count);
        Assert.All(slices.Values, n => Assert.InRange(n, 60, 140));
        // Cron expressions are not moved.
        Assert.Equal(CronSchedule.Parse("*/5 * * * *").Next(At), CronSchedule.Parse("*/5 * * * *").Next(At, "group-1"));
    }

    [Theory]
    [InlineData("@every", "needs a duration")]
    [InlineData("@every 0s", "at least 1s")]
    [InlineData("@every 5 minutes", "needs a duration")]
    [InlineData("@sometimes", "unknown descriptor")]
    [InlineData("* * *", "has 3 fields")]
    [InlineData("61 * * * *", "invalid minute \"61\"")]
    [InlineData("* * * FOO *", "invalid month \"FOO\"")]
    [InlineData("*/0 * * * *", "invalid step")]
    [InlineData("5-1 * * * *", "invalid range")]
    public void Bad_specs_say_what_is_wrong(string spec, string expected)
    {
        Assert.Contains(expected, Assert.Throws<FormatException>(() => CronSchedule.Parse(spec)).Message);
    }
}
