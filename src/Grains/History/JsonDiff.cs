using System.Text.Json.Nodes;

namespace OrleansGateway.Grains.History;

/// <summary>
/// The differences between two JSON values as operations in the manner of RFC 6902 (JSON Patch): <c>add</c>,
/// <c>remove</c> and <c>replace</c> at a JSON Pointer <c>path</c>, with the new <c>value</c> and, as JSON Patch has
/// not, the <c>old</c> one. Objects are compared member by member; arrays of the same length element by element,
/// otherwise replaced whole.
/// </summary>
internal static class JsonDiff
{
    /// <summary>The operations that turn <paramref name="before"/> into <paramref name="after"/> (values masked).</summary>
    public static JsonArray Compare(JsonNode? before, JsonNode? after)
    {
        var ops = new JsonArray();
        Walk("", before, after, ops);
        return ops;
    }

    private static void Walk(string path, JsonNode? before, JsonNode? after, JsonArray ops)
    {
        if (JsonNode.DeepEquals(before, after))
        {
            return;
        }
        if (before is JsonObject a && after is JsonObject b)
        {
            foreach (var (name, value) in a)
            {
                var at = path + "/" + Escape(name);
                if (b.TryGetPropertyValue(name, out var other))
                {
                    Walk(at, value, other, ops);
                }
                else
                {
                    ops.Add(Op("remove", at, old: value, hasOld: true));
                }
            }
            foreach (var (name, value) in b)
            {
                if (!a.ContainsKey(name))
                {
                    ops.Add(Op("add", path + "/" + Escape(name), value: value, hasValue: true));
                }
            }
            return;
        }
        if (before is JsonArray x && after is JsonArray y && x.Count == y.Count)
        {
            for (var i = 0; i < x.Count; i++)
            {
                Walk(path + "/" + i, x[i], y[i], ops);
            }
            return;
        }
        ops.Add(Op("replace", path, after, true, before, true));
    }

    private static JsonObject Op(string op, string path, JsonNode? value = null, bool hasValue = false, JsonNode? old = null, bool hasOld = false)
    {
        var o = new JsonObject { ["op"] = op, ["path"] = path };
        if (hasValue)
        {
            o["value"] = ComparableValues.Masked(value);
        }
        if (hasOld)
        {
            o["old"] = ComparableValues.Masked(old);
        }
        return o;
    }

    // RFC 6901: "~" is "~0" and "/" is "~1" in a reference token.
    private static string Escape(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
