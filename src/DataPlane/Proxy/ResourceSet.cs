using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.DataPlane.Routing;

namespace OrleansGateway.DataPlane.Proxy;

/// <summary>
/// A group's resources as their stored JSON text, immutable. Text, not parsed trees: a parsed route is a tree of a
/// dozen objects, and 100,000 of them kept for the life of a version made every garbage collection of the process
/// slower; routes are parsed when they are compiled and the trees dropped. <see cref="With"/> applies a change set
/// by replacing only the changed entries; <see cref="ProxyConfig"/> compares a resource's text with the text it compiled
/// to know what it can reuse (unchanged entries keep the same string, so that compare is a reference check).
/// </summary>
public sealed class ResourceSet
{
    private readonly Dictionary<ResourceKind, ShardedMap<string>> _items;

    private ResourceSet(Dictionary<ResourceKind, ShardedMap<string>> items, long version, string configJson = "{}")
    {
        _items = items;
        Version = version;
        ConfigJson = configJson;
    }

    public long Version { get; }

    /// <summary>The group's instance configuration (its keyring opens the encrypted secrets).</summary>
    public string ConfigJson { get; }

    /// <summary>The cipher of the configuration's keyring (null: none), made once per configuration.</summary>
    public OrleansGateway.Contracts.Security.FieldCipher? Cipher => _cipherMade ? _cipher : MakeCipher();

    private OrleansGateway.Contracts.Security.FieldCipher? _cipher;
    private bool _cipherMade;

    private OrleansGateway.Contracts.Security.FieldCipher? MakeCipher()
    {
        _cipher = OrleansGateway.Contracts.Security.FieldCipher.FromConfig(ConfigJson);
        _cipherMade = true;
        return _cipher;
    }

    public static ResourceSet Empty { get; } = new(ResourceKinds.All.ToDictionary(k => k, _ => ShardedMap<string>.Empty), 0);

    /// <summary>Every resource of <paramref name="kind"/>, parsed now (the trees are the caller's).</summary>
    public IEnumerable<JsonObject> Of(ResourceKind kind) => _items[kind].Select(Parse);

    /// <summary>The stored JSON text of every resource of <paramref name="kind"/>.</summary>
    public IEnumerable<string> JsonOf(ResourceKind kind) => _items[kind];

    public int CountOf(ResourceKind kind) => _items[kind].Count;

    public JsonObject? Get(ResourceKind kind, string id) => GetJson(kind, id) is { } json ? Parse(json) : null;

    /// <summary>The stored JSON text of one resource (the same string object while it is unchanged).</summary>
    public string? GetJson(ResourceKind kind, string id) => _items[kind].GetValueOrDefault(id);

    public int Count => _items.Values.Sum(m => m.Count);

    public static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    /// <summary>From APISIX's standalone shape (a snapshot, the local cache), with the instance configuration.</summary>
    public static ResourceSet FromStandaloneJson(string json, long version, string configJson = "{}")
    {
        using var document = JsonDocument.Parse(json);
        var maps = NewMaps();
        foreach (var kind in ResourceKinds.All)
        {
            if (!document.RootElement.TryGetProperty(kind.PathName(), out var items) || items.ValueKind != JsonValueKind.Array)
            {
                continue;
            }
            foreach (var item in items.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty(kind.IdField(), out var id) && ResourceIds.Text(id) is { } text)
                {
                    maps[kind][text] = item.GetRawText();
                }
            }
        }
        return new ResourceSet(Freeze(maps), version, configJson);
    }

    /// <summary>From a full load from the control plane.</summary>
    public static ResourceSet FromExport(GroupExport export)
    {
        var maps = NewMaps();
        foreach (var resource in export.Resources)
        {
            if (maps.TryGetValue(resource.Kind, out var map)) // a kind newer than this data plane is skipped
            {
                map[resource.Id] = resource.Json;
            }
        }
        return new ResourceSet(Freeze(maps), export.Version, export.ConfigJson);
    }

    /// <summary>
    /// This set with <paramref name="changes"/> applied (the caller checked they start at this version). Only the
    /// shards of the changed keys are copied; everything else is shared with this version.
    /// </summary>
    public ResourceSet With(ChangeSet changes)
    {
        if (changes.ConfigChanged)
        {
            // The change does not carry the new instance configuration (a keyring): only a full load does.
            throw new InvalidOperationException($"version {changes.ToVersion} changed the instance configuration: a full load is needed");
        }
        var builders = new Dictionary<ResourceKind, ShardedMap<string>.Builder>();
        ShardedMap<string>.Builder For(ResourceKind kind) =>
            builders.TryGetValue(kind, out var b) ? b : builders[kind] = _items[kind].ToBuilder();
        // A kind newer than this data plane (a control plane upgraded first) is skipped, not a failed change.
        foreach (var key in changes.Deleted.Where(k => _items.ContainsKey(k.Kind)))
        {
            For(key.Kind).Remove(key.Id);
        }
        foreach (var resource in changes.Upserted.Where(r => _items.ContainsKey(r.Kind)))
        {
            For(resource.Kind)[resource.Id] = resource.Json;
        }
        var maps = new Dictionary<ResourceKind, ShardedMap<string>>(_items);
        foreach (var (kind, builder) in builders)
        {
            maps[kind] = builder.Build();
        }
        return new ResourceSet(maps, changes.ToVersion, ConfigJson) { _cipher = Cipher, _cipherMade = true };
    }

    /// <summary>The standalone shape, for the local cache (the stored text as it is, no re-serialization).</summary>
    public void WriteStandalone(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        foreach (var kind in ResourceKinds.All)
        {
            writer.WriteStartArray(kind.PathName());
            foreach (var json in _items[kind])
            {
                writer.WriteRawValue(json, skipInputValidation: true);
            }
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
    }

    private static Dictionary<ResourceKind, Dictionary<string, string>> NewMaps() =>
        ResourceKinds.All.ToDictionary(k => k, _ => new Dictionary<string, string>(StringComparer.Ordinal));

    private static Dictionary<ResourceKind, ShardedMap<string>> Freeze(Dictionary<ResourceKind, Dictionary<string, string>> maps) =>
        maps.ToDictionary(kv => kv.Key, kv => ShardedMap<string>.From(kv.Value));
}
