namespace OrleansGateway.DataPlane.Routing;

/// <summary>
/// An immutable route table with APISIX's radixtree precedence: an exact uri beats a prefix, a longer prefix beats a
/// shorter one, and among routes of the same uri the higher <c>priority</c> is tried first; the first whose hosts,
/// methods, client address and vars hold wins. A uri ending in <c>*</c> is a prefix (<c>/foo/*</c> matches
/// <c>/foo/</c> and <c>/foo/bar</c>). Lookups allocate nothing: exact paths and each distinct prefix length are
/// probed in sharded hash tables through span lookups. A configuration change makes a new table (<see cref="With"/>
/// rebuilds only the touched uris and shares the rest), swapped in atomically.
/// </summary>
public sealed class RouteTable
{
    private readonly ShardedMap<CompiledRoute[]> _exact;
    private readonly ShardedMap<CompiledRoute[]> _prefix;
    private readonly Dictionary<int, int> _prefixLengthCounts;
    private readonly int[] _prefixLengths;

    private RouteTable(ShardedMap<CompiledRoute[]> exact, ShardedMap<CompiledRoute[]> prefix, Dictionary<int, int> prefixLengthCounts, long version, int count)
    {
        _exact = exact;
        _prefix = prefix;
        _prefixLengthCounts = prefixLengthCounts;
        _prefixLengths = prefixLengthCounts.Keys.OrderDescending().ToArray();
        Version = version;
        Count = count;
    }

    /// <summary>The configuration version this table was built from.</summary>
    public long Version { get; }

    /// <summary>The number of routes (enabled ones).</summary>
    public int Count { get; }

    public static RouteTable Empty { get; } = Build([], 0);

    public static RouteTable Build(IEnumerable<CompiledRoute> routes, long version)
    {
        var list = routes.ToList();
        return new RouteTable(ShardedMap<CompiledRoute[]>.Empty, ShardedMap<CompiledRoute[]>.Empty, [], 0, 0).With([], list, version);
    }

    /// <summary>
    /// This table with <paramref name="removed"/> (routes of this table) taken out and <paramref name="added"/> put in
    /// (a changed route is in both: its old and its new compiled form). Only the candidate lists of the touched uris
    /// are rebuilt, and only the map shards they fall in are copied: a change costs what it touches, not the table.
    /// </summary>
    public RouteTable With(IReadOnlyCollection<CompiledRoute> removed, IReadOnlyCollection<CompiledRoute> added, long version)
    {
        var exact = _exact.ToBuilder();
        var prefix = _prefix.ToBuilder();
        var lengths = new Dictionary<int, int>(_prefixLengthCounts);
        var removedIds = removed.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var addedByKey = added
            .SelectMany(r => r.Uris.Select(u => (Key: KeyOf(u), Route: r)))
            .ToLookup(x => x.Key, x => x.Route);
        var touched = removed.SelectMany(r => r.Uris).Select(KeyOf).Concat(addedByKey.Select(g => g.Key)).ToHashSet();
        foreach (var (isPrefix, key) in touched)
        {
            var target = isPrefix ? prefix : exact;
            var existed = target.TryGetValue(key, out var old);
            var kept = existed ? old.Where(r => !removedIds.Contains(r.Id)) : [];
            var list = Order(kept.Concat(addedByKey[(isPrefix, key)]));
            if (list.Length == 0)
            {
                target.Remove(key);
            }
            else
            {
                target[key] = list;
            }
            if (isPrefix && existed != list.Length > 0)
            {
                var delta = existed ? -1 : 1;
                lengths[key.Length] = lengths.GetValueOrDefault(key.Length) + delta;
                if (lengths[key.Length] == 0)
                {
                    lengths.Remove(key.Length);
                }
            }
        }
        return new RouteTable(exact.Build(), prefix.Build(), lengths, version, Count - removed.Count + added.Count);
    }

    /// <summary>A uri ending in <c>*</c> is a prefix (<c>/foo/*</c> is keyed <c>/foo/</c>).</summary>
    private static (bool Prefix, string Key) KeyOf(string uri) => uri.EndsWith('*') ? (true, uri[..^1]) : (false, uri);

    private static CompiledRoute[] Order(IEnumerable<CompiledRoute> routes) =>
        routes.OrderByDescending(r => r.Priority).ThenBy(r => r.Id, StringComparer.Ordinal).ToArray();

    /// <summary>The route for <paramref name="request"/>, or null (APISIX answers 404 Route Not Found).</summary>
    public CompiledRoute? Match(IRequestView request)
    {
        var path = request.Path.AsSpan();
        if (_exact.TryGetValue(path, out var exact) && First(exact, request) is { } hit)
        {
            return hit;
        }
        foreach (var length in _prefixLengths)
        {
            if (length <= path.Length && _prefix.TryGetValue(path[..length], out var candidates) && First(candidates, request) is { } found)
            {
                return found;
            }
        }
        return null;
    }

    private static CompiledRoute? First(CompiledRoute[] candidates, IRequestView request)
    {
        foreach (var route in candidates)
        {
            if (route.MatchesRest(request))
            {
                return route;
            }
        }
        return null;
    }
}
