using System.Text.Json.Nodes;

namespace OrleansGateway.Contracts.Validation;

/// <summary>A JSON array whose items all match <see cref="Items"/>.</summary>
public sealed class ArraySchema(Schema items) : Schema
{
    /// <summary>The schema of every item.</summary>
    public Schema Items { get; } = items;
    /// <summary>Minimum item count.</summary>
    public int? MinItems { get; init; }
    /// <summary>Maximum item count.</summary>
    public int? MaxItems { get; init; }
    /// <summary>Items must be distinct.</summary>
    public bool UniqueItems { get; init; }

    /// <inheritdoc />
    public override string? Check(JsonNode? node)
    {
        if (node is not JsonArray array)
        {
            return WrongType("array", node);
        }
        if (MinItems is { } min && array.Count < min)
        {
            return $"expect array to have at least {min} items";
        }
        if (MaxItems is { } max && array.Count > max)
        {
            return $"expect array to have at most {max} items";
        }
        for (var i = 0; i < array.Count; i++)
        {
            if (Items.Check(array[i]) is { } error)
            {
                return $"failed to validate item {i + 1}: {error}";
            }
        }
        if (UniqueItems)
        {
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < array.Count; i++)
            {
                if (!seen.TryAdd(array[i]?.ToJsonString() ?? "null", i))
                {
                    return $"expected unique items but items {seen[array[i]?.ToJsonString() ?? "null"] + 1} and {i + 1} are equal";
                }
            }
        }
        return null;
    }
}

/// <summary>
/// A JSON object with named properties. Unknown properties are refused unless <see cref="AdditionalProperties"/>
/// gives a schema for them (a map) or <see cref="AllowUnknown"/> is set.
/// </summary>
public sealed class ObjectSchema : Schema
{
    private readonly Dictionary<string, Schema> _properties;

    /// <summary>Creates an object schema from (name, schema) pairs.</summary>
    public ObjectSchema(params (string Name, Schema Schema)[] properties)
    {
        _properties = properties.ToDictionary(p => p.Name, p => p.Schema, StringComparer.Ordinal);
    }

    /// <summary>Properties that must be present.</summary>
    public IReadOnlyList<string> Required { get; init; } = [];
    /// <summary>Schema for properties not named in the list (a map's values); null refuses them.</summary>
    public Schema? AdditionalProperties { get; init; }
    /// <summary>Accept and ignore unknown properties.</summary>
    public bool AllowUnknown { get; init; }
    /// <summary>Schema for the names of additional properties.</summary>
    public StringSchema? PropertyNames { get; init; }
    /// <summary>
    /// The name pattern the additional properties stand for, as jsonschema's <c>patternProperties</c> (<c>.*</c> for
    /// labels): their errors then read <c>failed to validate name (matching ".*"): ...</c>, as APISIX words them.
    /// </summary>
    public string? PatternLabel { get; init; }
    /// <summary>Minimum number of properties.</summary>
    public int? MinProperties { get; init; }
    /// <summary>Whole-object rules (e.g. "uri or uris"), run after the properties are valid.</summary>
    public IReadOnlyList<Func<JsonObject, string?>> Rules { get; init; } = [];

    /// <inheritdoc />
    public override string? Check(JsonNode? node)
    {
        if (node is not JsonObject obj)
        {
            return WrongType("object", node);
        }
        foreach (var name in Required)
        {
            if (!obj.ContainsKey(name))
            {
                return $"property \"{name}\" is required";
            }
        }
        if (MinProperties is { } minProps && obj.Count < minProps)
        {
            return $"expect object to have at least {minProps} properties";
        }
        foreach (var (name, value) in obj)
        {
            if (_properties.TryGetValue(name, out var schema))
            {
                if (schema.Check(value) is { } error)
                {
                    return $"property \"{name}\" validation failed: {error}";
                }
                continue;
            }
            if (AdditionalProperties is not null)
            {
                if (PropertyNames?.Check(JsonValue.Create(name)) is { } nameError)
                {
                    return $"property name \"{name}\" validation failed: {nameError}";
                }
                if (AdditionalProperties.Check(value) is { } error)
                {
                    return PatternLabel is null
                        ? $"property \"{name}\" validation failed: {error}"
                        : $"failed to validate {name} (matching \"{PatternLabel}\"): {error}";
                }
                continue;
            }
            if (!AllowUnknown)
            {
                return $"additional properties forbidden, found {name}";
            }
        }
        foreach (var rule in Rules)
        {
            if (rule(obj) is { } error)
            {
                return error;
            }
        }
        return null;
    }
}
