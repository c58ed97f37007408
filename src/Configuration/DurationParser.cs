using System.Globalization;
using System.Text.RegularExpressions;

namespace OrleansGateway.Configuration;

/// <summary>Parses Go-style durations (<c>1h30m</c>, <c>10s</c>, <c>250ms</c>); a bare number means seconds.</summary>
public static partial class DurationParser
{
    [GeneratedRegex(@"^(?:(\d+(?:\.\d+)?)(ms|h|m|s))+$", RegexOptions.CultureInvariant)]
    private static partial Regex Whole();

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(ms|h|m|s)", RegexOptions.CultureInvariant)]
    private static partial Regex Part();

    /// <summary>Parses <paramref name="text"/>; false when it is not a duration.</summary>
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        text = text.Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            value = TimeSpan.FromSeconds(seconds);
            return seconds >= 0;
        }
        if (!Whole().IsMatch(text))
        {
            return false;
        }
        foreach (Match m in Part().Matches(text))
        {
            var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            value += m.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(n),
                "m" => TimeSpan.FromMinutes(n),
                "s" => TimeSpan.FromSeconds(n),
                _ => TimeSpan.FromMilliseconds(n),
            };
        }
        return true;
    }
}
