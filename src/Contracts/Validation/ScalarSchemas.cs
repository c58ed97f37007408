using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OrleansGateway.Contracts.Validation;

/// <summary>A string with optional length, pattern, enum and custom format rules.</summary>
public sealed class StringSchema : Schema
{
    /// <summary>Minimum length in characters.</summary>
    public int? MinLength { get; init; }
    /// <summary>Maximum length in characters.</summary>
    public int? MaxLength { get; init; }
    /// <summary>A regular expression the whole value must match.</summary>
    public string? Pattern { get; init; }
    /// <summary>The allowed values, when restricted.</summary>
    public IReadOnlyList<string>? Enum { get; init; }
    /// <summary>An extra check returning an error message, or null when valid.</summary>
    public Func<string, string?>? Format { get; init; }

    private Regex? _regex;

    /// <inheritdoc />
    public override string? Check(JsonNode? node)
    {
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
        {
            return WrongType("string", node);
        }
        var s = v.GetValue<string>();
        if (MinLength is { } min && s.Length < min)
        {
            return $"string too short, expected at least {min}, got {s.Length}";
        }
        if (MaxLength is { } max && s.Length > max)
        {
            return $"string too long, expected at most {max}, got {s.Length}";
        }
        if (Pattern is not null)
        {
            _regex ??= new Regex(Pattern, RegexOptions.CultureInvariant);
            if (!_regex.IsMatch(s))
            {
                return $"failed to match pattern \"{Pattern}\" with \"{s}\"";
            }
        }
        if (Enum is not null && !Enum.Contains(s, StringComparer.Ordinal))
        {
            return AdminErrors.Described("matches none of the enum values", $"expected one of {string.Join(", ", Enum.Select(e => $"\"{e}\""))}, got \"{s}\"");
        }
        return Format?.Invoke(s);
    }
}

/// <summary>A number (or, with <see cref="IntegerOnly"/>, an integer) with optional bounds.</summary>
public sealed class NumberSchema : Schema
{
    /// <summary>Only integral values are accepted.</summary>
    public bool IntegerOnly { get; init; }
    /// <summary>Inclusive minimum.</summary>
    public decimal? Minimum { get; init; }
    /// <summary>Inclusive maximum.</summary>
    public decimal? Maximum { get; init; }
    /// <summary>Exclusive minimum (the value must be greater).</summary>
    public decimal? ExclusiveMinimum { get; init; }
    /// <summary>The allowed values, when restricted.</summary>
    public IReadOnlyList<decimal>? Enum { get; init; }

    /// <inheritdoc />
    public override string? Check(JsonNode? node)
    {
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number || !v.TryGetValue<decimal>(out var d))
        {
            return WrongType(IntegerOnly ? "integer" : "number", node);
        }
        if (IntegerOnly && decimal.Truncate(d) != d)
        {
            return $"wrong type: expected integer, got number";
        }
        var text = d.ToString(CultureInfo.InvariantCulture);
        if (Minimum is { } min && d < min)
        {
            return $"expected {text} to be at least {min.ToString(CultureInfo.InvariantCulture)}";
        }
        if (ExclusiveMinimum is { } xmin && d <= xmin)
        {
            return $"expected {text} to be greater than {xmin.ToString(CultureInfo.InvariantCulture)}";
        }
        if (Maximum is { } max && d > max)
        {
            return $"expected {text} to be at most {max.ToString(CultureInfo.InvariantCulture)}";
        }
        if (Enum is not null && !Enum.Contains(d))
        {
            return AdminErrors.Described("matches none of the enum values", $"expected one of {string.Join(", ", Enum.Select(e => e.ToString(CultureInfo.InvariantCulture)))}, got {text}");
        }
        return null;
    }
}

/// <summary>A boolean.</summary>
public sealed class BooleanSchema : Schema
{
    /// <inheritdoc />
    public override string? Check(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? null : WrongType("boolean", node);
}

/// <summary>Accepts anything (used where the content is checked by a custom rule elsewhere).</summary>
public sealed class AnySchema : Schema
{
    /// <inheritdoc />
    public override string? Check(JsonNode? node) => null;
}

/// <summary>A rule written as code.</summary>
public sealed class CustomSchema(Func<JsonNode?, string?> check) : Schema
{
    /// <inheritdoc />
    public override string? Check(JsonNode? node) => check(node);
}

/// <summary>
/// The value must satisfy at least one of several schemas, as APISIX's <c>anyOf</c> (an id as a string or a positive
/// integer; nodes as a map or a list), failing with APISIX's text.
/// </summary>
public sealed class AnyOfSchema(params Schema[] options) : Schema
{
    /// <inheritdoc />
    public override string? Check(JsonNode? node)
    {
        var (matches, reason) = SchemaOptions.Evaluate(options, node);
        // APISIX's text, then (as the description) what is wrong; wrappers only prefix, so the separator stays last.
        return matches > 0 ? null : AdminErrors.Described("object matches none of the required", AdminErrors.Split(reason!).Message);
    }
}

/// <summary>The value must satisfy exactly one of several schemas.</summary>
public sealed class OneOfSchema(params Schema[] options) : Schema
{
    /// <inheritdoc />
    public override string? Check(JsonNode? node)
    {
        var (matches, reason) = SchemaOptions.Evaluate(options, node);
        return matches switch
        {
            1 => null,
            0 => AdminErrors.Described("value should match only one schema, but matches none", AdminErrors.Split(reason!).Message),
            _ => "value should match only one schema, but matches more than one",
        };
    }
}

/// <summary>What a value's check against several options says: how many hold, and the most telling error.</summary>
internal static class SchemaOptions
{
    public static (int Matches, string? Reason) Evaluate(Schema[] options, JsonNode? node)
    {
        string? reason = null;
        var matches = 0;
        foreach (var option in options)
        {
            var error = option.Check(node);
            if (error is null)
            {
                matches++;
            }
            else if (reason is null || reason.StartsWith("wrong type:", StringComparison.Ordinal))
            {
                // Prefer the error of an option whose type matched: it says what is actually wrong.
                reason = error;
            }
        }
        return (matches, reason);
    }
}
