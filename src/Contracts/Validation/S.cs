using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OrleansGateway.Contracts.Validation;

/// <summary>Short constructors for schemas, so that resource and plugin schemas read like their JSON-schema originals.</summary>
public static class S
{
    /// <summary>An id: 1–64 characters of <c>[a-zA-Z0-9-_.]</c>.</summary>
    public const string IdPattern = "^[a-zA-Z0-9-_.]+$";

    /// <summary>A string.</summary>
    public static StringSchema Str(int? min = null, int? max = null, string? pattern = null, Func<string, string?>? format = null) =>
        new() { MinLength = min, MaxLength = max, Pattern = pattern, Format = format };

    /// <summary>A string from a fixed set.</summary>
    public static StringSchema Enum(params string[] values) => new() { Enum = values };

    /// <summary>An integer.</summary>
    public static NumberSchema Int(decimal? min = null, decimal? max = null, decimal? exclusiveMin = null) =>
        new() { IntegerOnly = true, Minimum = min, Maximum = max, ExclusiveMinimum = exclusiveMin };

    /// <summary>A number.</summary>
    public static NumberSchema Num(decimal? min = null, decimal? max = null, decimal? exclusiveMin = null) =>
        new() { Minimum = min, Maximum = max, ExclusiveMinimum = exclusiveMin };

    /// <summary>A boolean.</summary>
    public static BooleanSchema Bool() => new();

    /// <summary>An array.</summary>
    public static ArraySchema Arr(Schema items, int? min = null, int? max = null, bool unique = false) =>
        new(items) { MinItems = min, MaxItems = max, UniqueItems = unique };

    /// <summary>An object with the given properties (unknown ones refused).</summary>
    public static ObjectSchema Obj(params (string, Schema)[] properties) => new(properties);

    /// <summary>A map from strings to values of <paramref name="values"/>.</summary>
    public static ObjectSchema Map(Schema values, StringSchema? names = null) =>
        new() { AdditionalProperties = values, PropertyNames = names };

    /// <summary>An id string.</summary>
    public static StringSchema Id() => Str(1, 64, IdPattern);

    /// <summary>A host name, IP address or <c>*.wildcard</c> host.</summary>
    public static StringSchema Host() => Str(1, 253, @"^\*?[0-9a-zA-Z-._\[\]:]+$");

    /// <summary>An IP address or CIDR block, v4 or v6.</summary>
    public static StringSchema IpOrCidr() => Str(1, 64, format: s => IsIpOrCidr(s)
        ? null
        : AdminErrors.Described("object matches none of the required", $"invalid ip address or CIDR: \"{s}\"")); // APISIX's anyOf of formats

    /// <summary>A .NET regular expression that compiles.</summary>
    public static StringSchema Regex() => Str(1, format: s => RegexError(s));

    /// <summary>A map of labels, as APISIX: keys and values without whitespace.</summary>
    public static ObjectSchema Labels() => new() { AdditionalProperties = Str(1, 256, @"^\S+$"), PatternLabel = ".*" };

    /// <summary>True for <c>10.0.0.1</c>, <c>10.0.0.0/8</c>, <c>::1</c>, <c>fe80::/10</c>.</summary>
    public static bool IsIpOrCidr(string value)
    {
        var slash = value.IndexOf('/');
        var address = slash < 0 ? value : value[..slash];
        if (!IPAddress.TryParse(address, out var ip))
        {
            return false;
        }
        if (slash < 0)
        {
            return true;
        }
        var maxBits = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        return int.TryParse(value[(slash + 1)..], out var bits) && bits >= 0 && bits <= maxBits;
    }

    /// <summary>Null when <paramref name="pattern"/> compiles, else why not.</summary>
    public static string? RegexError(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
            return null;
        }
        catch (ArgumentException e)
        {
            return $"invalid regular expression \"{pattern}\": {e.Message}";
        }
    }

    /// <summary>A rule: at most one of the named properties may be present.</summary>
    public static Func<JsonObject, string?> AtMostOne(params string[] names) => obj =>
    {
        var present = names.Where(obj.ContainsKey).ToArray();
        return present.Length > 1
            ? $"only one of {string.Join(", ", names.Select(n => $"\"{n}\""))} may be set, found {string.Join(" and ", present.Select(n => $"\"{n}\""))}"
            : null;
    };

    /// <summary>A rule: at least one of the named properties must be present.</summary>
    public static Func<JsonObject, string?> AtLeastOne(params string[] names) => obj =>
        names.Any(obj.ContainsKey) ? null : $"one of {string.Join(", ", names.Select(n => $"\"{n}\""))} is required";
}
