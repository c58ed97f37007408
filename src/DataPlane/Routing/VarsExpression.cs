using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OrleansGateway.DataPlane.Routing;

/// <summary>
/// APISIX <c>vars</c> (lua-resty-expr) compiled once: a list of expressions that must all hold, each a leaf
/// <c>[variable, operator, value]</c> (<c>!</c> negates the operator after it; <c>[variable, value]</c> means
/// <c>==</c>) or a nested list, which may start with <c>AND</c>, <c>OR</c>, <c>!AND</c> or <c>!OR</c>. Variables:
/// <c>uri</c>, <c>request_uri</c>, <c>host</c>, <c>remote_addr</c>, <c>request_method</c>, <c>query_string</c>,
/// <c>scheme</c>, <c>server_port</c>, <c>arg_*</c>, <c>http_*</c>, <c>cookie_*</c>, <c>post_arg_*</c> and
/// <c>post_arg.a.b</c>. A missing variable fails every operator but <c>~=</c>. A JSON number value compares
/// numerically, a JSON string as text.
/// </summary>
public sealed class VarsExpression
{
    private readonly Node? _root;

    private VarsExpression(Node? root, bool readsBody)
    {
        _root = root;
        ReadsBody = readsBody;
    }

    /// <summary>True when there is nothing to check.</summary>
    public bool IsEmpty => _root is null;

    /// <summary>It uses a <c>post_arg</c> variable: the request body must be read before it is evaluated.</summary>
    public bool ReadsBody { get; }

    /// <summary>Compiles a validated <c>vars</c> array (null or empty: always true).</summary>
    public static VarsExpression Compile(JsonArray? vars)
    {
        if (vars is null || vars.Count == 0)
        {
            return new(null, false);
        }
        var readsBody = false;
        var root = Node.Compile(vars, ref readsBody);
        return new(root, readsBody);
    }

    public bool Matches(IRequestView request) => _root?.Holds(request) ?? true;

    private abstract class Node
    {
        public abstract bool Holds(IRequestView request);

        public static Node Compile(JsonArray rules, ref bool readsBody)
        {
            if (rules[0] is JsonArray)
            {
                return Logic.Compile("AND", rules, 0, ref readsBody);
            }
            var first = rules[0]!.GetValue<string>().ToUpperInvariant();
            if (first is "AND" or "OR" or "!AND" or "!OR")
            {
                return Logic.Compile(first, rules, 1, ref readsBody);
            }
            var condition = Condition.Compile(rules);
            readsBody |= condition.ReadsBody;
            return condition;
        }
    }

    /// <summary>AND, OR and their negations over nested expressions.</summary>
    private sealed class Logic(bool any, bool negate, Node[] children) : Node
    {
        public static Logic Compile(string op, JsonArray rules, int from, ref bool readsBody)
        {
            var children = new Node[rules.Count - from];
            for (var i = from; i < rules.Count; i++)
            {
                children[i - from] = Node.Compile(rules[i]!.AsArray(), ref readsBody);
            }
            return new Logic(op.EndsWith("OR", StringComparison.Ordinal), op[0] == '!', children);
        }

        public override bool Holds(IRequestView request)
        {
            var result = !any;
            foreach (var child in children)
            {
                if (child.Holds(request) == any)
                {
                    result = any;
                    break;
                }
            }
            return negate ? !result : result;
        }
    }

    private sealed class Condition : Node
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

        public bool ReadsBody => _variable.StartsWith("post_arg", StringComparison.Ordinal);

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
                value = expr[1]; // [variable, value]: equality
            }
            else
            {
                c._op = expr[i]!.GetValue<string>().ToLowerInvariant();
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


        public override bool Holds(IRequestView request)
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
                return Networks.Text(request.RemoteAddress);
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
        if (variable.StartsWith("post_arg_", StringComparison.Ordinal))
        {
            return request.PostArg(variable[9..]);
        }
        if (variable.StartsWith("post_arg.", StringComparison.Ordinal))
        {
            return request.BodyValue(variable[9..]);
        }
        return request.Variable(variable);
    }
}
