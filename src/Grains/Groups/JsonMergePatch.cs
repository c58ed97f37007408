using System.Text.Json.Nodes;

namespace OrleansGateway.Grains.Groups;

/// <summary>RFC 7396 JSON merge patch, as APISIX's PATCH: objects merge, null removes, anything else replaces.</summary>
internal static class JsonMergePatch
{
    public static void Apply(JsonObject target, JsonObject patch)
    {
        foreach (var (name, value) in patch.ToList())
        {
            if (value is null)
            {
                target.Remove(name);
            }
            else if (value is JsonObject patchObject && target[name] is JsonObject targetObject)
            {
                Apply(targetObject, patchObject);
            }
            else
            {
                target[name] = value.DeepClone();
            }
        }
    }
}
