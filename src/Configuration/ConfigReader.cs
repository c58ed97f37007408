using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;

namespace OrleansGateway.Configuration;

/// <summary>
/// Typed reads of configuration keys that fail with the dotted key and the offending value. Every key read is
/// remembered, so that keys no one read (a typo, an APISIX setting we do not have) can be reported.
/// </summary>
public sealed class ConfigReader(IConfiguration configuration)
{
    private readonly HashSet<string> _read = new(StringComparer.OrdinalIgnoreCase);

    private static string Dotted(string key) => key.Replace(':', '.');

    /// <summary>
    /// What is set under <paramref name="roots"/> (from any source) and nothing read, dotted and sorted: the highest
    /// section of each unread subtree (<c>deployment.etcd</c>, not each key below it), and a key read as a value that
    /// also has keys below it as <c>key (nested keys ignored)</c>. Values are never included, nor names below a key we
    /// read: a YAML slip such as <c>{secret_key:abc}</c> makes the value part of a key's name.
    /// </summary>
    public IReadOnlyList<string> Unread(params string[] roots)
    {
        var readAbove = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var key in _read)
        {
            for (var i = key.IndexOf(':'); i > 0; i = key.IndexOf(':', i + 1))
            {
                readAbove.Add(key[..i]);
            }
        }
        var unread = new List<string>();
        foreach (var root in roots)
        {
            Visit(configuration.GetSection(root));
        }
        return [.. unread.Order(StringComparer.Ordinal)];

        void Visit(IConfigurationSection section)
        {
            var children = section.GetChildren().ToList();
            if (_read.Contains(section.Path))
            {
                if (children.Count > 0 && !readAbove.Contains(section.Path))
                {
                    unread.Add(Dotted(section.Path) + " (nested keys ignored)");
                    return;
                }
            }
            else if (!readAbove.Contains(section.Path))
            {
                if (section.Value is not null || children.Count > 0)
                {
                    unread.Add(Dotted(section.Path));
                }
                return;
            }
            foreach (var child in children)
            {
                Visit(child);
            }
        }
    }

    private string? Get(string key)
    {
        _read.Add(key);
        return configuration[key];
    }

    /// <summary>True when the key or any key below it is set.</summary>
    public bool Exists(string key) => configuration.GetSection(key).Exists();

    /// <summary>The children of a section (list items or map entries).</summary>
    public IEnumerable<IConfigurationSection> Children(string key) => configuration.GetSection(key).GetChildren();

    /// <summary>A string, or <paramref name="fallback"/> when unset or empty.</summary>
    public string String(string key, string fallback) => Get(key) is { Length: > 0 } v ? v : fallback;

    /// <summary>An optional string.</summary>
    public string? OptionalString(string key) => Get(key) is { Length: > 0 } v ? v : null;

    /// <summary>An integer within bounds.</summary>
    public int Int(string key, int fallback, int min, int max)
    {
        var raw = Get(key);
        if (string.IsNullOrEmpty(raw))
        {
            return fallback;
        }
        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw Invalid(key, raw, $"expected an integer from {min} to {max}");
        }
        return value;
    }

    /// <summary>A boolean (<c>true</c>/<c>false</c>).</summary>
    public bool Bool(string key, bool fallback)
    {
        var raw = Get(key);
        if (string.IsNullOrEmpty(raw))
        {
            return fallback;
        }
        return bool.TryParse(raw, out var value) ? value : throw Invalid(key, raw, "expected true or false");
    }

    /// <summary>One of a fixed set of words.</summary>
    public string OneOf(string key, string fallback, params string[] allowed)
    {
        var raw = Get(key);
        if (string.IsNullOrEmpty(raw))
        {
            return fallback;
        }
        return allowed.Contains(raw, StringComparer.Ordinal) ? raw : throw Invalid(key, raw, $"expected one of {string.Join(", ", allowed)}");
    }

    /// <summary>An IP address.</summary>
    public IPAddress Ip(string key, string fallback)
    {
        var raw = String(key, fallback);
        return IPAddress.TryParse(raw, out var ip) ? ip : throw Invalid(key, raw, "expected an IP address");
    }

    /// <summary>A duration: <c>5</c> (seconds), <c>500ms</c>, <c>5s</c>, <c>1m</c>, <c>1h30m</c>.</summary>
    public TimeSpan Duration(string key, TimeSpan fallback)
    {
        var raw = Get(key);
        if (string.IsNullOrEmpty(raw))
        {
            return fallback;
        }
        return DurationParser.TryParse(raw, out var value) && value > TimeSpan.Zero
            ? value
            : throw Invalid(key, raw, "expected a positive duration such as 5s, 500ms, 1m or 1h30m");
    }

    /// <summary>An exception naming the key and the value.</summary>
    public static GatewayConfigException Invalid(string key, string? value, string why) =>
        new($"invalid configuration: {Dotted(key)} = \"{value}\": {why}");
}
