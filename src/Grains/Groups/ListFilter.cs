using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;

namespace OrleansGateway.Grains.Groups;

/// <summary>APISIX's list filters: <c>name</c> and <c>uri</c> match substrings, <c>label</c> is <c>key</c> or <c>key:value</c>.</summary>
internal static class ListFilter
{
    public static bool Matches(StoredResource resource, ListQuery query)
    {
        var value = JsonNode.Parse(resource.Json)!.AsObject();
        if (query.Name is { } name && !(value["name"]?.GetValue<string>() ?? "").Contains(name, StringComparison.Ordinal))
        {
            return false;
        }
        if (query.Label is { } label && !HasLabel(value, label))
        {
            return false;
        }
        if (query.Uri is { } uri && !Uris(value).Any(u => u.Contains(uri, StringComparison.Ordinal)))
        {
            return false;
        }
        return true;
    }

    private static bool HasLabel(JsonObject value, string label)
    {
        if (value["labels"] is not JsonObject labels)
        {
            return false;
        }
        var colon = label.IndexOf(':');
        if (colon < 0)
        {
            return labels.ContainsKey(label);
        }
        return labels[label[..colon]]?.GetValue<string>() == label[(colon + 1)..];
    }

    private static IEnumerable<string> Uris(JsonObject value)
    {
        if (value["uri"] is JsonValue uri)
        {
            yield return uri.GetValue<string>();
        }
        if (value["uris"] is JsonArray uris)
        {
            foreach (var u in uris)
            {
                yield return u!.GetValue<string>();
            }
        }
    }
}
