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
internal static class BulkConfig
{
    public sealed record Item(ResourceKind Kind, string Id, JsonObject Value, IReadOnlyList<ResourceKey> References, IReadOnlyList<string> Credentials);

    public sealed record Result(IReadOnlyList<Item> Items, long? HighestConfVersion);

    public static Result? Read(JsonObject body, bool allowDangling, out string? error)
    {
        long? confVersion = null;
        var items = new List<Item>();
        var keys = new Dictionary<ResourceKey, JsonObject>();
        foreach (var (name, node) in body)
        {
            if (name.EndsWith("_conf_version", StringComparison.Ordinal) && ResourceKinds.TryParse(name[..^"_conf_version".Length], out _))
            {
                if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number || !v.TryGetValue<long>(out var n) || n < 0)
                {
                    error = $"invalid configuration: property \"{name}\" validation failed: expected a non-negative integer";
                    return null;
                }
                confVersion = Math.Max(confVersion ?? 0, n);
                continue;
            }
            if (!ResourceKinds.TryParse(name, out var kind))
            {
                error = $"invalid configuration: unknown property \"{name}\": expected {ResourceKinds.Names} or <kind>_conf_version";
                return null;
            }
            if (node is not JsonArray list)
            {
                error = $"invalid configuration: property \"{name}\" validation failed: wrong type: expected array, got {Schema.TypeName(node)}";
                return null;
            }
            for (var i = 0; i < list.Count; i++)
            {
                var item = ReadItem(kind, name, i, list[i], keys, out error);
                if (item is null)
                {
                    return null;
                }
                items.Add(item);
            }
        }
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            foreach (var credential in item.Credentials)
            {
                if (!owners.TryAdd(credential, item.Id))
                {
                    error = $"invalid plugins configuration: duplicate {credential[..credential.IndexOf(':')]} key found with consumers {owners[credential]} and {item.Id}";
                    return null;
                }
            }
            foreach (var target in item.References)
            {
                if (keys.TryGetValue(target, out var referenced) && ResourceValidator.ReferenceError(target, referenced.ToJsonString()) is { } referenceError)
                {
                    error = $"invalid configuration: {item.Kind.PathName()} \"{item.Id}\": {referenceError}";
                    return null;
                }
                if (!allowDangling && !keys.ContainsKey(target))
                {
                    error = AdminErrors.Described(
                        $"invalid configuration: {item.Kind.PathName()} \"{item.Id}\" references {target.Kind.PathName()} \"{target.Id}\", which is not in the set",
                        "add it to the set, or import with ?force=true to keep the reference dangling (its requests then fail as APISIX fails them)");
                    return null;
                }
            }
        }
        error = null;
        return new Result(items, confVersion);
    }

    private static Item? ReadItem(ResourceKind kind, string name, int index, JsonNode? node, Dictionary<ResourceKey, JsonObject> keys, out string? error)
    {
        var where = $"{name}[{index + 1}]";
        if (node is not JsonObject value)
        {
            error = $"invalid configuration: {where} validation failed: wrong type: expected object, got {Schema.TypeName(node)}";
            return null;
        }
        var idNode = value[kind.IdField()];
        var id = idNode is JsonValue idValue && idValue.GetValueKind() is JsonValueKind.String or JsonValueKind.Number ? idValue.ToString() : null;
        if (id is null)
        {
            error = $"invalid configuration: {where}: property \"{kind.IdField()}\" is required";
            return null;
        }
        value = (JsonObject)value.DeepClone();
        value.Remove("create_time");
        value.Remove("update_time");
        if (ResourceValidator.Validate(kind, id, value) is { } itemError)
        {
            error = $"{where} ({kind.IdField()} \"{id}\"): {itemError}";
            return null;
        }
        if (!keys.TryAdd(new ResourceKey(kind, id), value))
        {
            error = $"invalid configuration: {where}: duplicate {kind.IdField()} \"{id}\"";
            return null;
        }
        error = null;
        return new Item(kind, id, value, ResourceValidator.References(kind, value), ResourceValidator.UniqueCredentials(kind, value));
    }
}
