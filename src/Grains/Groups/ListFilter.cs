using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;

namespace OrleansGateway.Grains.Groups;

/// <summary>
/// APISIX's list filters: <c>name</c> and <c>uri</c> match substrings, <c>label</c> is <c>key</c> or <c>key:value</c>,
/// <c>filter</c> selects routes by <c>service_id</c> and <c>upstream_id</c>.
/// </summary>
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
        return query.Filter is not { } filter || FilterHolds(resource.Kind, value, filter);
    }

    /// <summary>
    /// APISIX's <c>filter=</c>: URL-encoded <c>field=value</c> pairs, all of which must hold; routes can be filtered by
    /// <c>service_id</c> and <c>upstream_id</c>, other fields and kinds are ignored (as APISIX ignores them).
    /// </summary>
    private static bool FilterHolds(ResourceKind kind, JsonObject value, string filter)
    {
        if (kind != ResourceKind.Route)
        {
            return true;
        }
        // A repeated field: the last value counts.
        var wanted = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in filter.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var at = pair.IndexOf('=');
            var field = Decode(at < 0 ? pair : pair[..at]);
            if (field is "service_id" or "upstream_id")
            {
                wanted[field] = Decode(at < 0 ? "" : pair[(at + 1)..]);
            }
        }
        return wanted.All(w => value[w.Key]?.ToString() == w.Value);
    }

    private static string Decode(string part) => Uri.UnescapeDataString(part.Replace('+', ' '));

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
