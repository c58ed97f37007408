using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansGateway.Contracts.Resources;

/// <summary>
/// Reads an id field (<c>id</c>, <c>upstream_id</c>, <c>service_id</c>, …) as text whether it is a JSON string or an
/// integer, as APISIX accepts both: readers stay correct when an id keeps the JSON type it was written with.
/// </summary>
public static class ResourceIds
{
    /// <summary>The id's text (<c>"1"</c> for <c>1</c> and <c>"1"</c>), or null when absent.</summary>
    public static string? Text(JsonNode? node) => node switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => Canonical(v.TryGetValue<decimal>(out var d) ? d : null, v.ToJsonString()),
        null => null,
        _ => throw new FormatException($"an id must be a string or an integer, not {node.ToJsonString()}"),
    };

    /// <summary>An integral number as digits alone (<c>1</c> for <c>1.0</c>, so both name one resource); else as written.</summary>
    private static string Canonical(decimal? value, string raw) =>
        value is { } d && decimal.Truncate(d) == d && Math.Abs(d) < long.MaxValue
            ? ((long)d).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : raw;

    /// <summary>The id's text from a parsed element (a snapshot, the cache), or null when it is neither a string nor a number.</summary>
    public static string? Text(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => Canonical(element.TryGetDecimal(out var d) ? d : null, element.GetRawText()),
        _ => null,
    };
}
