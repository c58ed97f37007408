using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace OrleansGateway.Contracts.Validation;

/// <summary>
/// User-given JSON Schemas (request-validation's <c>header_schema</c> and <c>body_schema</c>), read and evaluated with
/// JsonSchema.Net (drafts 6 to 2020-12): the control plane refuses one that is not a schema, the data plane checks
/// requests with it and tells the first failure as <c>property "x" ...</c>.
/// </summary>
public static class JsonSchemas
{
    /// <summary>Null when <paramref name="schema"/> (a JSON object, or absent) is a JSON Schema, else why not.</summary>
    public static string? Error(JsonNode? schema)
    {
        if (schema is null)
        {
            return null;
        }
        try
        {
            _ = Parse(schema);
            // The schema read; now check it is one (a "type" of "test" reads, but is not): against draft 2020-12's meta-schema.
            return Check(MetaSchemas.Draft202012, schema) is { } problem ? $"invalid JSON schema: {problem}" : null;
        }
        catch (Exception e) when (e is JsonSchemaException or JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            return $"invalid JSON schema: {e.Message}";
        }
    }

    public static JsonSchema Parse(JsonNode schema) => JsonSchema.FromText(schema.ToJsonString());

    /// <summary>Null when <paramref name="value"/> holds to <paramref name="schema"/>, else the first failure, located.</summary>
    public static string? Check(JsonSchema schema, JsonNode? value)
    {
        var instance = value is null ? JsonSerializer.SerializeToElement<object?>(null) : JsonSerializer.SerializeToElement(value);
        var results = schema.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return null;
        }
        foreach (var detail in results.Details ?? [])
        {
            if (detail.Errors is { Count: > 0 } errors)
            {
                var location = detail.InstanceLocation.ToString();
                var (keyword, message) = errors.First();
                return location.Length == 0 ? $"{keyword}: {message}" : $"property \"{location.TrimStart('/').Replace('/', '.')}\" validation failed: {message}";
            }
        }
        return "request does not match the schema";
    }
}
