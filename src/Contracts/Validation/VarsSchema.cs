using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansGateway.Contracts.Validation;

/// <summary>
/// APISIX <c>vars</c>: a list of <c>[variable, operator, value]</c> (or <c>[variable, "!", operator, value]</c>)
/// expressions that must all hold. Checks the variable name, the operator and, for regex operators, the pattern.
/// </summary>
public sealed class VarsSchema : Schema
{
    /// <summary>The shared instance.</summary>
    public static VarsSchema Instance { get; } = new();

    /// <summary>The operators the data plane evaluates.</summary>
    public static readonly IReadOnlyList<string> Operators = ["==", "~=", ">", "<", ">=", "<=", "~~", "~*", "in", "has", "ipmatch"];

    private static readonly string[] PlainVariables = ["uri", "host", "remote_addr", "request_method", "scheme", "server_port", "request_uri", "query_string", "status"];
    private static readonly string[] VariablePrefixes = ["arg_", "http_", "cookie_", "post_arg_"];

    /// <inheritdoc />
    public override string? Check(JsonNode? node)
    {
        if (node is not JsonArray list)
        {
            return WrongType("array", node);
        }
        for (var i = 0; i < list.Count; i++)
        {
            if (CheckExpression(list[i]) is { } error)
            {
                return $"failed to validate item {i + 1}: {error}";
            }
        }
        return null;
    }

    private static string? CheckExpression(JsonNode? node)
    {
        if (node is not JsonArray expr)
        {
            return WrongType("array", node);
        }
        if (expr.Count is < 2 or > 4)
        {
            return "expected an expression [variable, operator, value]";
        }
        if (expr[0] is not JsonValue v0 || v0.GetValueKind() != JsonValueKind.String)
        {
            return "the variable name must be a string";
        }
        var variable = v0.GetValue<string>();
        if (!IsKnownVariable(variable))
        {
            return $"unknown variable \"{variable}\": expected one of {string.Join(", ", PlainVariables)} or a name starting with {string.Join(", ", VariablePrefixes)}";
        }
        var opIndex = 1;
        if (expr.Count == 4)
        {
            if (expr[1]?.GetValueKind() != JsonValueKind.String || expr[1]!.GetValue<string>() != "!")
            {
                return "a 4-item expression must be [variable, \"!\", operator, value]";
            }
            opIndex = 2;
        }
        if (expr.Count == 2)
        {
            // [variable, value] means equality, as in lua-resty-expr.
            return null;
        }
        if (expr[opIndex] is not JsonValue opValue || opValue.GetValueKind() != JsonValueKind.String)
        {
            return "the operator must be a string";
        }
        var op = opValue.GetValue<string>();
        if (!Operators.Contains(op))
        {
            return $"invalid operator \"{op}\": expected one of {string.Join(", ", Operators)}";
        }
        var value = expr.Count > opIndex + 1 ? expr[opIndex + 1] : null;
        if (op is "~~" or "~*")
        {
            if (value is not JsonValue rv || rv.GetValueKind() != JsonValueKind.String)
            {
                return $"operator \"{op}\" needs a regular expression string";
            }
            return S.RegexError(rv.GetValue<string>());
        }
        if (op == "in" && value is not JsonArray)
        {
            return "operator \"in\" needs an array value";
        }
        if (op is ">" or "<" or ">=" or "<=" && (value as JsonValue)?.GetValueKind() is not (JsonValueKind.Number or JsonValueKind.String))
        {
            return $"operator \"{op}\" needs a number";
        }
        return null;
    }

    private static bool IsKnownVariable(string name) =>
        PlainVariables.Contains(name) ||
        VariablePrefixes.Any(p => name.Length > p.Length && name.StartsWith(p, StringComparison.Ordinal));
}
