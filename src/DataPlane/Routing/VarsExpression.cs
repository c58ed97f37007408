using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OrleansGateway.DataPlane.Routing;

/// <summary>
/// APISIX <c>vars</c> compiled once: every <c>[variable, operator, value]</c> must hold (<c>!</c> negates the
/// operator after it). Variables: <c>uri</c>, <c>request_uri</c>, <c>host</c>, <c>remote_addr</c>,
/// <c>request_method</c>, <c>query_string</c>, <c>arg_*</c>, <c>http_*</c>, <c>cookie_*</c>. A missing variable
/// fails every operator but <c>~=</c>. A JSON number value compares numerically, a JSON string as text.
/// </summary>
public sealed class VarsExpression
{
    private readonly Condition[] _conditions;

    private VarsExpression(Condition[] conditions) => _conditions = conditions;

    /// <summary>True when there is nothing to check.</summary>
    public bool IsEmpty => _conditions.Length == 0;

    /// <summary>Compiles a validated <c>vars</c> array (null or empty: always true).</summary>
    public static VarsExpression Compile(JsonArray? vars) =>
        new(vars is null ? [] : vars.Select(e => Condition.Compile(e!.AsArray())).ToArray());

    public bool Matches(IRequestView request)
    {
        foreach (var condition in _conditions)
        {
            if (!condition.Holds(request))
            {
                return false;
            }
        }
        return true;
    }

    private sealed class Condition
    {
        private string _variable = "";
        private bool _negate;
        private string _op = "==";
        private string? _text;
        private double? _number;
        private bool _valueIsNumber;
        private string[] _list = [];
        private Regex? _regex;
        private IPNetwork[] _networks = [];

        public static Condition Compile(JsonArray expr)
        {
            var c = new Condition { _variable = expr[0]!.GetValue<string>() };
            var i = 1;
            if (expr.Count == 4)
            {
                c._negate = true;
                i = 2;
            }
            JsonNode? value;
            if (expr.Count == 2)
            {
                value = expr[1];
            }
            else
            {
                c._op = expr[i]!.GetValue<string>();
                value = expr[i + 1];
            }
            c.SetValue(value);
            return c;
        }

        private void SetValue(JsonNode? value)
        {
            switch (value)
            {
                case JsonArray array:
                    _list = array.Select(v => v is JsonValue jv && jv.GetValueKind() == JsonValueKind.String ? jv.GetValue<string>() : v?.ToJsonString() ?? "").ToArray();
                    break;
                case JsonValue v when v.GetValueKind() == JsonValueKind.Number:
                    _number = v.GetValue<double>();
                    _text = v.ToJsonString();
                    _valueIsNumber = true;
                    break;
                case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                    _text = v.GetValue<string>();
                    _number = double.TryParse(_text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : null;
                    break;
                case JsonValue v:
                    _text = v.ToJsonString();
                    break;
            }
            if (_op is "~~" or "~*" && _text is not null)
            {
                _regex = new Regex(_text, RegexOptions.CultureInvariant | (_op == "~*" ? RegexOptions.IgnoreCase : RegexOptions.None), TimeSpan.FromMilliseconds(100));
            }
            if (_op == "ipmatch")
            {
                var cidrs = _list.Length > 0 ? _list : _text is null ? [] : [_text];
                _networks = cidrs.Select(Networks.Parse).ToArray();
            }
        }


        public bool Holds(IRequestView request)
        {
            var left = Resolve(request, _variable);
            var result = Evaluate(left);
            return _negate ? !result : result;
        }

        private bool Evaluate(string? left)
        {
            if (left is null)
            {
                return _op == "~=";
            }
            switch (_op)
            {
                case "==":
                    return _valueIsNumber ? Number(left) == _number : left == _text;
                case "~=":
                    return _valueIsNumber ? Number(left) != _number : left != _text;
                case ">":
                    return Number(left) > _number;
                case "<":
                    return Number(left) < _number;
                case ">=":
                    return Number(left) >= _number;
                case "<=":
                    return Number(left) <= _number;
                case "~~":
                case "~*":
                    return _regex!.IsMatch(left);
                case "in":
                    return _list.Contains(left, StringComparer.Ordinal);
                case "has":
                    return left.Split(',').Select(s => s.Trim()).Contains(_text, StringComparer.Ordinal);
                case "ipmatch":
                    return IPAddress.TryParse(left, out var ip) && _networks.Any(net => net.Contains(ip));
                default:
                    return false;
            }
        }

        private static double? Number(string text) =>
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    /// <summary>The value of an APISIX variable for this request, or null.</summary>
    public static string? Resolve(IRequestView request, string variable)
    {
        switch (variable)
        {
            case "uri":
                return request.Path;
            case "request_uri":
                return request.QueryString.Length > 0 ? $"{request.Path}?{request.QueryString}" : request.Path;
            case "host":
                return request.Host;
            case "remote_addr":
                return request.RemoteAddress?.ToString();
            case "request_method":
                return request.Method;
            case "query_string":
                return request.QueryString;
        }
        if (variable.StartsWith("arg_", StringComparison.Ordinal))
        {
            return request.Query(variable[4..]);
        }
        if (variable.StartsWith("http_", StringComparison.Ordinal))
        {
            return request.Header(variable[5..].Replace('_', '-'));
        }
        if (variable.StartsWith("cookie_", StringComparison.Ordinal))
        {
            return request.Cookie(variable[7..]);
        }
        return request.Variable(variable);
    }
}
