using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Resources;

namespace OrleansGateway.Grains.History;

/// <summary>
/// The answer of a diff between two states of a group: the resources added, removed and changed (each changed one
/// with its <see cref="JsonDiff"/> and both values), the instance configuration's change, counts, secrets masked.
/// Each list holds at most <c>limit</c> items (<c>truncated</c> says when one was cut; the counts are whole).
/// </summary>
internal static class GroupDiff
{
    /// <summary>One resource (<see cref="Kind"/> null: the instance configuration) in both states (null: absent), stored JSON.</summary>
    public sealed record Pair(ResourceKind? Kind, string Id, string? Before, string? After, long? Version = null);

    /// <summary>The diff as JSON text; <paramref name="header"/>'s members come first.</summary>
    public static string Write(JsonObject header, IEnumerable<Pair> pairs, ComparableValues values, int limit)
    {
        var added = new JsonArray();
        var removed = new JsonArray();
        var changed = new JsonArray();
        var counts = (Added: 0, Removed: 0, Changed: 0);
        JsonNode? config = null;
        foreach (var pair in pairs.OrderBy(p => p.Kind.HasValue).ThenBy(p => p.Kind).ThenBy(p => p.Id, StringComparer.Ordinal))
        {
            var before = pair.Before is null ? null : pair.Kind is { } k ? values.Resource(k, pair.Before) : values.Config(pair.Before);
            var after = pair.After is null ? null : pair.Kind is { } k2 ? values.Resource(k2, pair.After) : values.Config(pair.After);
            if (JsonNode.DeepEquals(before, after))
            {
                continue;
            }
            if (pair.Kind is null)
            {
                config = Item(null, pair, ("diff", JsonDiff.Compare(before, after)), ("before", Masked(before)), ("after", Masked(after)));
                continue;
            }
            if (before is null)
            {
                counts.Added++;
                Add(added, Item(pair.Kind, pair, ("value", Masked(after))), limit);
            }
            else if (after is null)
            {
                counts.Removed++;
                Add(removed, Item(pair.Kind, pair, ("value", Masked(before))), limit);
            }
            else
            {
                counts.Changed++;
                Add(changed, Item(pair.Kind, pair, ("diff", JsonDiff.Compare(before, after)), ("before", Masked(before)), ("after", Masked(after))), limit);
            }
        }
        var answer = new JsonObject();
        foreach (var (name, value) in header)
        {
            answer[name] = value?.DeepClone();
        }
        answer["summary"] = new JsonObject { ["added"] = counts.Added, ["removed"] = counts.Removed, ["changed"] = counts.Changed, ["config_changed"] = config is not null };
        answer["truncated"] = counts.Added > added.Count || counts.Removed > removed.Count || counts.Changed > changed.Count;
        answer["config"] = config;
        answer["added"] = added;
        answer["removed"] = removed;
        answer["changed"] = changed;
        return answer.ToJsonString();
    }

    private static JsonNode? Masked(JsonNode? node) => ComparableValues.Masked(node);

    private static void Add(JsonArray list, JsonObject item, int limit)
    {
        if (list.Count < limit)
        {
            list.Add(item);
        }
    }

    private static JsonObject Item(ResourceKind? kind, Pair pair, params (string Name, JsonNode? Value)[] members)
    {
        var item = new JsonObject();
        if (kind is { } k)
        {
            item["kind"] = k.PathName();
            item["id"] = pair.Id;
        }
        if (pair.Version is { } version)
        {
            item["version"] = version;
        }
        foreach (var (name, value) in members)
        {
            item[name] = value;
        }
        return item;
    }
}
