using System.Globalization;
using OrleansGateway.Contracts.Scheduling;

namespace OrleansGateway.Configuration;

/// <summary>Durations in configuration: Go style (<c>1h30m</c>, <c>10s</c>, <c>250ms</c>), or a bare number of seconds.</summary>
public static class DurationParser
{
    /// <summary>Parses <paramref name="text"/>; false when it is not a duration.</summary>
    public static bool TryParse(string text, out TimeSpan value)
    {
        text = text.Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            value = TimeSpan.FromSeconds(seconds);
            return true;
        }
        return CronSchedule.TryParseDuration(text, out value);
    }
}
