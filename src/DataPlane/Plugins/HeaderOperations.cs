using System.Text.Json.Nodes;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>The <c>headers</c> of proxy-rewrite and response-rewrite: a flat map (set) or <c>{set, add, remove}</c>.</summary>
public sealed class HeaderOperations
{
    private readonly List<(string Name, string Value)> _set = [];
    private readonly List<(string Name, string Value)> _add = [];
    private readonly List<string> _remove = [];

    public static HeaderOperations Parse(JsonNode? node)
    {
        var ops = new HeaderOperations();
        if (node is not JsonObject obj)
        {
            return ops;
        }
        var structured = obj.Any(p => p.Key is "set" or "add" or "remove" && p.Value is JsonObject or JsonArray);
        if (!structured)
        {
            ops._set.AddRange(obj.Select(p => (p.Key, p.Value!.ToString())));
            return ops;
        }
        ops._set.AddRange((obj["set"] as JsonObject ?? []).Select(p => (p.Key, p.Value!.ToString())));
        ops._add.AddRange((obj["add"] as JsonObject ?? []).Select(p => (p.Key, p.Value!.ToString())));
        ops._remove.AddRange((obj["remove"] as JsonArray ?? []).Select(v => v!.GetValue<string>()));
        return ops;
    }

    public void Apply(IHeaderDictionary headers)
    {
        foreach (var name in _remove)
        {
            headers.Remove(name);
        }
        foreach (var (name, value) in _add)
        {
            headers.Append(name, value);
        }
        foreach (var (name, value) in _set)
        {
            headers[name] = value;
        }
    }
}
