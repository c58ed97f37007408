using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansGateway.Contracts.Validation;

/// <summary>
/// APISIX <c>vars</c> (lua-resty-expr): a list of expressions that must all hold, each a leaf
/// <c>[variable, operator, value]</c> (<c>[variable, "!", operator, value]</c> negates it, <c>[variable, value]</c>
/// means <c>==</c>) or a nested list; a list may start with <c>"AND"</c>, <c>"OR"</c>, <c>"!AND"</c> or <c>"!OR"</c>.
/// Errors read as APISIX's (<c>failed to validate the 'vars' expression: invalid operator '='</c>); we also refuse
/// variables the data plane does not know and invalid regular expressions, with the same prefix.
/// </summary>
public static class VarsCheck
{
    /// <summary>The operators the data plane evaluates (as lua-resty-expr, case-insensitive).</summary>
    public static readonly IReadOnlyList<string> Operators = ["==", "~=", ">", "<", ">=", "<=", "~~", "~*", "in", "has", "ipmatch"];

    /// <summary>The logical operators a list may start with.</summary>
    public static readonly IReadOnlyList<string> LogicOperators = ["AND", "OR", "!AND", "!OR"];

    private static readonly string[] PlainVariables = ["uri", "host", "remote_addr", "request_method", "scheme", "server_port", "request_uri", "query_string", "status"];
    private static readonly string[] VariablePrefixes = ["arg_", "http_", "cookie_", "post_arg_", "post_arg."];

    /// <summary>Null when <paramref name="vars"/> (an array, or absent) is a valid expression list, else APISIX's text.</summary>
    public static string? Check(JsonNode? vars) => Reason(vars) is { } error ? Failed(error) : null;

    /// <summary>
    /// What lua-resty-expr says is wrong with <paramref name="vars"/> (null when nothing), without the "failed to
    /// validate" prefix: plugins that check expressions themselves (fault-injection) answer it bare, as APISIX.
    /// </summary>
    public static string? Reason(JsonNode? vars)
    {
        if (vars is not JsonArray rule || rule.Count == 0)
        {
            return null;
        }
        if (rule[0] is not JsonArray && !IsLogicOperator(rule[0]))
        {
            return "rule should be wrapped inside brackets";
        }
        return Compile(rule);
    }

    private static string Failed(string error) => $"failed to validate the 'vars' expression: {error}";

    private static bool IsLogicOperator(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String && LogicOperators.Contains(v.GetValue<string>().ToUpperInvariant());

    private static string? Compile(JsonArray rules)
    {
        if (rules.Count == 0)
        {
            return "rule too short";
        }
        if (rules[0] is JsonArray)
        {
            foreach (var rule in rules)
            {
                if (rule is not JsonArray nested)
                {
                    return "invalid expression";
                }
                if (Compile(nested) is { } error)
                {
                    return error;
                }
            }
            return null;
        }
        if (IsLogicOperator(rules[0]))
        {
            if (rules.Count <= 2)
            {
                return "rule too short";
            }
            for (var i = 1; i < rules.Count; i++)
            {
                if (rules[i] is not JsonArray nested)
                {
                    return "invalid expression";
                }
                if (Compile(nested) is { } error)
                {
                    return error;
                }
            }
            return null;
        }
        return Leaf(rules);
    }

    /// <summary>A leaf expression, read as lua-resty-expr reads it.</summary>
    private static string? Leaf(JsonArray expr)
    {
        var negated = expr.Count == 4;
        if (negated && !(expr[1] is JsonValue not && not.GetValueKind() == JsonValueKind.String && not.GetValue<string>() == "!"))
        {
            return "bad 'not' expression";
        }
        var variable = expr[0];
        var op = negated ? expr[2] : expr.Count > 1 ? expr[1] : null;
        var value = negated ? expr[3] : expr.Count > 2 ? expr[2] : null;
        var opText = op is JsonValue o && o.GetValueKind() == JsonValueKind.String ? o.GetValue<string>().ToLowerInvariant() : null;
        if (value is null && (opText is null || !Operators.Contains(opText)))
        {
            // [variable, value]: equality, for compatibility.
            if (op is null)
            {
                return "invalid expression";
            }
            value = op;
            opText = "==";
        }
        if (variable is not JsonValue v || v.GetValueKind() != JsonValueKind.String || opText is null)
        {
            return "invalid expression";
        }
        if (!Operators.Contains(opText))
        {
            return $"invalid operator '{op!.GetValue<string>()}'";
        }
        var name = v.GetValue<string>();
        if (!IsKnownVariable(name))
        {
            return AdminErrors.Described($"unknown variable '{name}'",
                $"the data plane knows {string.Join(", ", PlainVariables)} and names starting with {string.Join(", ", VariablePrefixes)}");
        }
        return CheckValue(opText, value);
    }

    private static string? CheckValue(string op, JsonNode? value)
    {
        switch (op)
        {
            case "~~" or "~*":
                return value is JsonValue rv && rv.GetValueKind() == JsonValueKind.String
                    ? S.RegexError(rv.GetValue<string>())
                    : $"operator '{op}' needs a regular expression string";
            case "in" when value is not JsonArray:
                return "operator 'in' needs an array value";
            case "ipmatch":
                var cidrs = value is JsonArray list ? list.ToArray() : [value];
                return cidrs.All(c => c is JsonValue cv && cv.GetValueKind() == JsonValueKind.String && S.IsIpOrCidr(cv.GetValue<string>()))
                    ? null
                    : "operator 'ipmatch' needs an ip address or CIDR, or a list of them";
            default:
                return null;
        }
    }

    private static bool IsKnownVariable(string name) =>
        PlainVariables.Contains(name) ||
        VariablePrefixes.Any(p => name.Length > p.Length && name.StartsWith(p, StringComparison.Ordinal));
}
