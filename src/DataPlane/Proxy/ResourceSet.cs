using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.DataPlane.Routing;

namespace OrleansGateway.DataPlane.Proxy;

/// <summary>
/// A group's resources as parsed JSON objects, immutable. <see cref="With"/> applies a change set by copying the
/// maps and replacing only the changed objects, so unchanged resources keep their object identity — which is how
/// <see cref="ProxyConfig.Build"/> knows what it can reuse instead of compiling again.
/// </summary>
public sealed class ResourceSet
{
    private readonly Dictionary<ResourceKind, ShardedMap<JsonObject>> _items;

    private ResourceSet(Dictionary<ResourceKind, ShardedMap<JsonObject>> items, long version)
    {
        _items = items;
        Version = version;
    }

    public long Version { get; }

    public static ResourceSet Empty { get; } = new(ResourceKinds.All.ToDictionary(k => k, _ => ShardedMap<JsonObject>.Empty), 0);

    public IReadOnlyCollection<JsonObject> Of(ResourceKind kind) => _items[kind];

    public JsonObject? Get(ResourceKind kind, string id) => _items[kind].GetValueOrDefault(id);

    public int Count => _items.Values.Sum(m => m.Count);

    /// <summary>From APISIX's standalone shape (a snapshot, the local cache).</summary>
    public static ResourceSet FromStandaloneJson(string json, long version)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        var maps = NewMaps();
        foreach (var kind in ResourceKinds.All)
        {
            foreach (var item in root[kind.PathName()] as JsonArray ?? [])
            {
                if (item is JsonObject obj)
                {
                    maps[kind][obj[kind.IdField()]!.GetValue<string>()] = obj;
                }
            }
        }
        return new ResourceSet(Freeze(maps), version);
    }

    /// <summary>From a full load from the control plane.</summary>
    public static ResourceSet FromExport(GroupExport export)
    {
        var maps = NewMaps();
        foreach (var resource in export.Resources)
        {
            maps[resource.Kind][resource.Id] = JsonNode.Parse(resource.Json)!.AsObject();
        }
        return new ResourceSet(Freeze(maps), export.Version);
    }

    /// <summary>
    /// This set with <paramref name="changes"/> applied (the caller checked they start at this version). Only the
    /// shards of the changed keys are copied; everything else is shared with this version.
    /// </summary>
    public ResourceSet With(ChangeSet changes)
    {
        var builders = new Dictionary<ResourceKind, ShardedMap<JsonObject>.Builder>();
        ShardedMap<JsonObject>.Builder For(ResourceKind kind) =>
            builders.TryGetValue(kind, out var b) ? b : builders[kind] = _items[kind].ToBuilder();
        foreach (var key in changes.Deleted)
        {
            For(key.Kind).Remove(key.Id);
        }
        foreach (var resource in changes.Upserted)
        {
            For(resource.Kind)[resource.Id] = JsonNode.Parse(resource.Json)!.AsObject();
        }
        var maps = new Dictionary<ResourceKind, ShardedMap<JsonObject>>(_items);
        foreach (var (kind, builder) in builders)
        {
            maps[kind] = builder.Build();
        }
        return new ResourceSet(maps, changes.ToVersion);
    }

    /// <summary>The standalone shape, for the local cache.</summary>
    public void WriteStandalone(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        foreach (var kind in ResourceKinds.All)
        {
            writer.WriteStartArray(kind.PathName());
            foreach (var item in _items[kind])
            {
                item.WriteTo(writer);
            }
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
    }

    private static Dictionary<ResourceKind, Dictionary<string, JsonObject>> NewMaps() =>
        ResourceKinds.All.ToDictionary(k => k, _ => new Dictionary<string, JsonObject>(StringComparer.Ordinal));

    private static Dictionary<ResourceKind, ShardedMap<JsonObject>> Freeze(Dictionary<ResourceKind, Dictionary<string, JsonObject>> maps) =>
        maps.ToDictionary(kv => kv.Key, kv => ShardedMap<JsonObject>.From(kv.Value));
}
