using System.Text.Json.Nodes;
using System.Text;
using System.Text.RegularExpressions;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// A text with APISIX variables in it (<c>$remote_addr $http_user</c>, <c>${http_x ?? default}</c>), parsed once:
/// each variable is replaced by its value, an unknown one by nothing (or its <c>??</c> default); <c>\$</c> is kept.
/// <see cref="Resolve"/> also tells how many variables had a value, as APISIX's <c>resolve_var</c>: a key made of
/// variables none of which is set is no key.
/// </summary>
public sealed partial class VarTemplate
{
    private readonly Part[] _parts;

    private VarTemplate(Part[] parts) => _parts = parts;

    private readonly record struct Part(string Text, string? Variable, string? Default);

    public static VarTemplate Parse(string template)
    {
        if (!template.Contains('$'))
        {
            return new VarTemplate([new Part(template, null, null)]);
        }
        var parts = new List<Part>();
        var at = 0;
        foreach (Match match in VariablePattern().Matches(template))
        {
            if (match.Index > at)
            {
                parts.Add(new Part(template[at..match.Index], null, null));
            }
            var body = match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value;
            var split = DefaultSeparator().Split(body, 2);
            parts.Add(new Part("", split[0], split.Length > 1 ? split[1] : null));
            at = match.Index + match.Length;
        }
        if (at < template.Length)
        {
            parts.Add(new Part(template[at..], null, null));
        }
        return new VarTemplate([.. parts]);
    }

    /// <summary>
    /// A map of header values (fault-injection's and mocking's): each value a template, a number as its text.
    /// </summary>
    public static (string Name, VarTemplate Value)[] Headers(JsonObject? headers) =>
        (headers ?? []).Select(h => (h.Key, Parse(h.Value is JsonValue v && v.TryGetValue<string>(out var text) ? text : h.Value!.ToJsonString()))).ToArray();

    /// <summary>True when there is no variable in it (APISIX then leaves the text as it is, resolving nothing).</summary>
    public bool IsConstant => _parts.Length == 1 && _parts[0].Variable is null;

    /// <summary>The text with its variables replaced, and how many of them had a value (or a default).</summary>
    public (string Text, int Resolved) Resolve(PluginContext context)
    {
        if (IsConstant)
        {
            return (_parts[0].Text, 0);
        }
        var resolved = 0;
        var text = new StringBuilder();
        foreach (var part in _parts)
        {
            if (part.Variable is null)
            {
                text.Append(part.Text);
                continue;
            }
            var value = PluginVars.Resolve(context, part.Variable) ?? part.Default;
            if (value is not null)
            {
                resolved++;
                text.Append(value);
            }
        }
        return (text.ToString(), resolved);
    }

    [GeneratedRegex(@"(?<!\\)\$(?:\{\s*([^}]+?)\s*\}|([\w\.]+))")]
    private static partial Regex VariablePattern();

    [GeneratedRegex(@"\s*\?\?\s*")]
    private static partial Regex DefaultSeparator();
}
