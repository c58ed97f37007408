using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.Grains.Groups;

/// <summary>
/// Reads an APISIX standalone configuration set (<c>{"routes":[…],"upstreams":[…],…,"routes_conf_version":N}</c>)
/// into validated resources. Every item carries its own id; references must resolve within the set, unless dangling
/// ones are allowed (a restore, or an import with <c>force</c>: a group holds them after a forced delete).
/// </summary>
public static class BulkConfig
{
    public sealed record Item(ResourceKind Kind, string Id, JsonObject Value, IReadOnlyList<ResourceKey> References, IReadOnlyList<string> Credentials);

    public sealed record Result(IReadOnlyList<Item> Items, long? HighestConfVersion);

    /// <summary>
    /// One problem of a set, as APISIX's <c>POST /apisix/admin/configs/validate</c> lists them: the collection, the
    /// item's id and 0-based index when it is about an item, and the error.
    /// </summary>
    public sealed record Problem(string ResourceType, string? ResourceId, int? Index, string Error);

    /// <summary>The set as resources, or null with the first problem as <paramref name="error"/>.</summary>
    public static Result? Read(JsonObject body, bool allowDangling, out string? error)
    {
        var result = Check(body, allowDangling, out var problems, collectAll: false);
        error = problems.Count > 0 ? problems[0].Error : null;
        return result;
    }

    /// <summary>Every problem of the set (none: it would be accepted as a bulk import).</summary>
    public static IReadOnlyList<Problem> Problems(JsonObject body)
    {
        Check(body, allowDangling: false, out var problems, collectAll: true);
        return problems;
    }

    private static Result? Check(JsonObject body, bool allowDangling, out List<Problem> problems, bool collectAll)
    {
        problems = [];
        long? confVersion = null;
        var items = new List<Item>();
        var keys = new Dictionary<ResourceKey, JsonObject>();
        foreach (var (name, node) in body)
        {
            if (name.EndsWith("_conf_version", StringComparison.Ordinal) && ResourceKinds.TryParse(name[..^"_conf_version".Length], out _))
            {
                if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number || !v.TryGetValue<long>(out var n) || n < 0)
                {
                    problems.Add(new(name[..^"_conf_version".Length], null, null, $"invalid configuration: property \"{name}\" validation failed: expected a non-negative integer"));
                }
                else
                {
                    confVersion = Math.Max(confVersion ?? 0, n);
                }
            }
            else if (!ResourceKinds.TryParse(name, out var kind))
            {
                problems.Add(new(name, null, null, $"invalid configuration: unknown property \"{name}\": expected {ResourceKinds.Names} or <kind>_conf_version"));
            }
            else if (node is not JsonArray list)
            {
                problems.Add(new(name, null, null, $"invalid configuration: property \"{name}\" validation failed: wrong type: expected array, got {Schema.TypeName(node)}"));
            }
            else
            {
                for (var i = 0; i < list.Count; i++)
                {
                    if (ReadItem(kind, name, i, list[i], keys, problems) is { } item)
                    {
                        items.Add(item);
                    }
                }
            }
            if (problems.Count > 0 && !collectAll)
            {
                return null;
            }
        }
        CheckAcross(items, keys, allowDangling, problems, collectAll);
        return problems.Count > 0 ? null : new Result(items, confVersion);
    }

    /// <summary>What involves more than one item: unique credentials, and references within the set.</summary>
    private static void CheckAcross(List<Item> items, Dictionary<ResourceKey, JsonObject> keys, bool allowDangling, List<Problem> problems, bool collectAll)
    {
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (problems.Count > 0 && !collectAll)
            {
                return;
            }
            var type = item.Kind.PathName();
            foreach (var credential in item.Credentials)
            {
                if (!owners.TryAdd(credential, item.Id))
                {
                    problems.Add(new(type, item.Id, null,
                        $"invalid plugins configuration: duplicate {credential[..credential.IndexOf(':')]} {ResourceValidator.CredentialFieldOf(credential)} found with consumers {owners[credential]} and {item.Id}"));
                }
            }
            foreach (var target in item.References)
            {
                if (keys.TryGetValue(target, out var referenced) && ResourceValidator.ReferenceError(target, referenced.ToJsonString()) is { } referenceError)
                {
                    problems.Add(new(type, item.Id, null, $"invalid configuration: {type} \"{item.Id}\": {referenceError}"));
                }
                else if (!allowDangling && !keys.ContainsKey(target))
                {
                    problems.Add(new(type, item.Id, null, AdminErrors.Described(
                        $"invalid configuration: {type} \"{item.Id}\" references {target.Kind.PathName()} \"{target.Id}\", which is not in the set",
                        "add it to the set, or import with ?force=true to keep the reference dangling (its requests then fail as APISIX fails them)")));
                }
            }
        }
    }

    private static Item? ReadItem(ResourceKind kind, string name, int index, JsonNode? node, Dictionary<ResourceKey, JsonObject> keys, List<Problem> problems)
    {
        var where = $"{name}[{index + 1}]";
        if (node is not JsonObject value)
        {
            problems.Add(new(name, null, index, $"invalid configuration: {where} validation failed: wrong type: expected object, got {Schema.TypeName(node)}"));
            return null;
        }
        var idNode = value[kind.IdField()];
        var id = idNode is JsonValue idValue && idValue.GetValueKind() is JsonValueKind.String or JsonValueKind.Number ? ResourceIds.Text(idValue) : null;
        if (id is null)
        {
            problems.Add(new(name, null, index, $"invalid configuration: {where}: property \"{kind.IdField()}\" is required"));
            return null;
        }
        value = (JsonObject)value.DeepClone();
        value.Remove("create_time");
        value.Remove("update_time");
        if (ResourceValidator.Validate(kind, id, value) is { } itemError)
        {
            problems.Add(new(name, id, index, $"{where} ({kind.IdField()} \"{id}\"): {itemError}"));
            return null;
        }
        if (!keys.TryAdd(new ResourceKey(kind, id), value))
        {
            problems.Add(new(name, id, index, $"invalid configuration: {where}: duplicate {kind.IdField()} \"{id}\""));
            return null;
        }
        return new Item(kind, id, value, ResourceValidator.References(kind, value), ResourceValidator.UniqueCredentials(kind, value));
    }
}
