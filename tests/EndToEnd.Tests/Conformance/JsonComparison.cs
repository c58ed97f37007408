using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansGateway.EndToEnd.Tests.Conformance;

/// <summary>How APISIX's Admin API tests compare a response: its <c>t()</c> pattern, or the whole body.</summary>
public static class JsonComparison
{
    /// <summary>
    /// APISIX's pattern comparison: every key of <paramref name="pattern"/> is in <paramref name="actual"/> with the
    /// same value, recursively (arrays by index, extra elements allowed); a null in the pattern means the key is absent.
    /// Answers null when it holds, or where and how it does not.
    /// </summary>
    public static string? Match(JsonNode? pattern, JsonNode? actual, string at = "")
    {
        switch (pattern)
        {
            case JsonObject o:
                if (actual is not JsonObject a)
                {
                    return $"{Where(at)}: expected an object, got {Show(actual)}";
                }
                foreach (var (key, value) in o)
                {
                    var path = $"{at}.{key}";
                    if (value is null)
                    {
                        if (a.ContainsKey(key))
                        {
                            return $"{path}: expected absent, got {Show(a[key])}";
                        }
                        continue;
                    }
                    if (!a.ContainsKey(key))
                    {
                        return $"{path}: expected {Show(value)}, absent";
                    }
                    if (Match(value, a[key], path) is { } difference)
                    {
                        return difference;
                    }
                }
                return null;
            case JsonArray p:
                if (actual is not JsonArray list)
                {
                    return $"{Where(at)}: expected an array, got {Show(actual)}";
                }
                for (var i = 0; i < p.Count; i++)
                {
                    var path = $"{at}[{i}]";
                    if (i >= list.Count)
                    {
                        return $"{path}: expected {Show(p[i])}, absent";
                    }
                    if (Match(p[i], list[i], path) is { } difference)
                    {
                        return difference;
                    }
                }
                return null;
            default:
                return SameScalar(pattern, actual) ? null : $"{Where(at)}: expected {Show(pattern)}, got {Show(actual)}";
        }
    }

    /// <summary>The whole body as JSON values: objects regardless of key order, numbers by value.</summary>
    public static string? Equal(JsonNode? expected, JsonNode? actual, string at = "")
    {
        switch (expected)
        {
            case JsonObject o when actual is JsonObject a:
                foreach (var key in o.Select(p => p.Key).Union(a.Select(p => p.Key)))
                {
                    if (!o.ContainsKey(key) || !a.ContainsKey(key))
                    {
                        return $"{at}.{key}: expected {(o.ContainsKey(key) ? Show(o[key]) : "absent")}, got {(a.ContainsKey(key) ? Show(a[key]) : "absent")}";
                    }
                    if (Equal(o[key], a[key], $"{at}.{key}") is { } difference)
                    {
                        return difference;
                    }
                }
                return null;
            case JsonArray e when actual is JsonArray a:
                if (e.Count != a.Count)
                {
                    return $"{Where(at)}: expected {e.Count} elements, got {a.Count}";
                }
                return Enumerable.Range(0, e.Count).Select(i => Equal(e[i], a[i], $"{at}[{i}]")).FirstOrDefault(d => d is not null);
            case JsonObject or JsonArray:
                return $"{Where(at)}: expected {Show(expected)}, got {Show(actual)}";
            default:
                return SameScalar(expected, actual) ? null : $"{Where(at)}: expected {Show(expected)}, got {Show(actual)}";
        }
    }

    private static bool SameScalar(JsonNode? expected, JsonNode? actual)
    {
        if (expected is null || actual is null)
        {
            return expected is null && actual is null;
        }
        if (expected is not JsonValue e || actual is not JsonValue a)
        {
            return false;
        }
        var (ek, ak) = (e.GetValueKind(), a.GetValueKind());
        if (ek == JsonValueKind.Number && ak == JsonValueKind.Number)
        {
            return e.GetValue<decimal>() == a.GetValue<decimal>();
        }
        return ek == ak && e.ToJsonString() == a.ToJsonString();
    }

    private static string Where(string at) => at.Length == 0 ? "the body" : at;

    private static string Show(JsonNode? node)
    {
        var text = node?.ToJsonString() ?? "null";
        return text.Length > 120 ? text[..117] + "..." : text;
    }
}
