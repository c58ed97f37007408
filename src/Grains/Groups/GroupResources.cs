using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.Grains.Groups;

/// <summary>
/// The in-memory resources of one group, with a reverse index of references (which routes use upstream 1?)
/// so that referential checks cost O(1) per write, not O(group size).
/// </summary>
internal sealed class GroupResources
{
    private readonly Dictionary<ResourceKind, Dictionary<string, StoredResource>> _items = new();
    private readonly Dictionary<ResourceKey, IReadOnlyList<ResourceKey>> _refsOf = new();
    private readonly Dictionary<ResourceKey, HashSet<ResourceKey>> _referencedBy = new();
    private readonly Dictionary<string, string> _credentialOwner = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<string>> _credentialsOf = new(StringComparer.Ordinal);

    public GroupResources()
    {
        foreach (var kind in ResourceKinds.All)
        {
            _items[kind] = new Dictionary<string, StoredResource>(StringComparer.Ordinal);
        }
    }

    public int Count => _items.Values.Sum(d => d.Count);

    public IReadOnlyCollection<StoredResource> OfKind(ResourceKind kind) => _items[kind].Values;

    public IEnumerable<StoredResource> All() => ResourceKinds.All.SelectMany(k => _items[k].Values);

    public StoredResource? Get(ResourceKind kind, string id) => _items[kind].GetValueOrDefault(id);

    public bool Contains(ResourceKey key) => _items[key.Kind].ContainsKey(key.Id);

    /// <summary>
    /// Resources that point at <paramref name="key"/>, at most <paramref name="max"/> of them: routes first, then
    /// services (the order APISIX checks them in, so the one it names is the one named here), each by id.
    /// </summary>
    public IReadOnlyList<ResourceKey> ReferencedBy(ResourceKey key, int max = 5) =>
        _referencedBy.TryGetValue(key, out var set)
            ? set.OrderBy(k => k.Kind).ThenBy(k => k.Id, StringComparer.Ordinal).Take(max).ToList()
            : [];

    /// <summary>
    /// Indexes stored resources; <paramref name="open"/> opens a value's encrypted secrets (credentials are unique in
    /// clear) and answers why it could not, which is logged by the caller and leaves that value's credentials out.
    /// </summary>
    public IReadOnlyList<string> Load(IEnumerable<StoredResource> resources, Func<StoredResource, JsonObject, string?> open)
    {
        var problems = new List<string>();
        foreach (var resource in resources)
        {
            var value = JsonNode.Parse(resource.Json)!.AsObject();
            var problem = open(resource, value);
            if (problem is not null)
            {
                problems.Add(problem);
            }
            Upsert(resource, ResourceValidator.References(resource.Kind, value), problem is null ? ResourceValidator.UniqueCredentials(resource.Kind, value) : []);
        }
        return problems;
    }

    /// <summary>Replaces a stored resource's text (and version) only: what it refers to and its credentials are unchanged.</summary>
    public void ReplaceText(StoredResource resource) => _items[resource.Kind][resource.Id] = resource;

    /// <summary>The consumer that holds <paramref name="credential"/>, other than <paramref name="except"/>, if any.</summary>
    public string? CredentialOwner(string credential, string except) =>
        _credentialOwner.TryGetValue(credential, out var owner) && owner != except ? owner : null;

    public void Upsert(StoredResource resource, IReadOnlyList<ResourceKey> references, IReadOnlyList<string>? credentials = null)
    {
        var key = new ResourceKey(resource.Kind, resource.Id);
        RemoveReferences(key);
        RemoveCredentials(key);
        _items[resource.Kind][resource.Id] = resource;
        if (credentials is { Count: > 0 })
        {
            _credentialsOf[resource.Id] = credentials;
            foreach (var credential in credentials)
            {
                _credentialOwner[credential] = resource.Id;
            }
        }
        if (references.Count == 0)
        {
            return;
        }
        _refsOf[key] = references;
        foreach (var target in references)
        {
            if (!_referencedBy.TryGetValue(target, out var set))
            {
                _referencedBy[target] = set = [];
            }
            set.Add(key);
        }
    }

    public void Remove(ResourceKey key)
    {
        RemoveReferences(key);
        RemoveCredentials(key);
        _items[key.Kind].Remove(key.Id);
    }

    public void Clear()
    {
        foreach (var dict in _items.Values)
        {
            dict.Clear();
        }
        _refsOf.Clear();
        _referencedBy.Clear();
        _credentialOwner.Clear();
        _credentialsOf.Clear();
    }

    private void RemoveCredentials(ResourceKey key)
    {
        if (key.Kind != ResourceKind.Consumer || !_credentialsOf.Remove(key.Id, out var old))
        {
            return;
        }
        foreach (var credential in old)
        {
            _credentialOwner.Remove(credential);
        }
    }

    private void RemoveReferences(ResourceKey key)
    {
        if (!_refsOf.Remove(key, out var old))
        {
            return;
        }
        foreach (var target in old)
        {
            if (_referencedBy.TryGetValue(target, out var set) && set.Remove(key) && set.Count == 0)
            {
                _referencedBy.Remove(target);
            }
        }
    }
}
