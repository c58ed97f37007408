using System.Text.Json.Nodes;

namespace OrleansGateway.Grains.Groups;

/// <summary>APISIX's sub-path PATCH: set one field of a resource, addressed as <c>a/b/c</c>.</summary>
public static class JsonSubPath
{
    /// <summary>
    /// Sets <paramref name="subPath"/> in <paramref name="root"/> to <paramref name="value"/> (null removes it),
    /// creating missing objects on the way; null when done, or APISIX's error when a step is not an object.
    /// </summary>
    public static string? Set(JsonObject root, string subPath, JsonNode? value)
    {
        var names = subPath.Split('/');
        var current = root;
        for (var i = 0; i < names.Length - 1; i++)
        {
            if (current[names[i]] is null)
            {
                current[names[i]] = new JsonObject();
            }
            if (current[names[i]] is not JsonObject next)
            {
                return "invalid sub-path: /" + string.Join('/', names[..(i + 1)]);
            }
            current = next;
        }
        var last = names[^1];
        if (last.Length == 0)
        {
            return "invalid sub-path: /" + subPath;
        }
        if (value is null)
        {
            current.Remove(last);
        }
        else
        {
            current[last] = value;
        }
        return null;
    }
}
