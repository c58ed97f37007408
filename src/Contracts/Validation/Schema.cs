using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansGateway.Contracts.Validation;

/// <summary>
/// A small JSON-schema-like rule for one value. <see cref="Check"/> returns null when the value is valid,
/// otherwise a message in the style APISIX users know from its jsonschema errors
/// (<c>property "uri" validation failed: wrong type: expected string, got number</c>).
/// </summary>
public abstract class Schema
{
    /// <summary>Checks <paramref name="node"/>; null means valid.</summary>
    public abstract string? Check(JsonNode? node);

    /// <summary>The JSON type name of a node as jsonschema reports it.</summary>
    public static string TypeName(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => IsInteger(v) ? "integer" : "number",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            _ => "null",
        },
        _ => "unknown",
    };

    /// <summary>True for a JSON number with no fractional part.</summary>
    public static bool IsInteger(JsonValue value) =>
        value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<decimal>(out var d) && decimal.Truncate(d) == d;

    /// <summary>Formats an expected-type error, naming what came.</summary>
    protected static string WrongType(string expected, JsonNode? node)
    {
        // As APISIX's (Lua) jsonschema names what came: an object or array is a "table"; the JSON name goes in the help.
        var got = TypeName(node);
        return got switch
        {
            "integer" => $"wrong type: expected {expected}, got number",
            "object" or "array" => AdminErrors.Described($"wrong type: expected {expected}, got table", $"got a JSON {got}"),
            _ => $"wrong type: expected {expected}, got {got}",
        };
    }
}
