namespace OrleansGateway.DataPlane.Routing;

/// <summary>
/// An immutable route table with APISIX's radixtree precedence: an exact uri beats a prefix, a longer prefix beats a
/// shorter one, and among routes of the same uri the higher <c>priority</c> is tried first; the first whose hosts,
/// methods, client address and vars hold wins. A uri ending in <c>*</c> is a prefix (<c>/foo/*</c> matches
/// <c>/foo/</c> and <c>/foo/bar</c>). Lookups allocate nothing: exact paths and each distinct prefix length are
/// probed in hash tables through span lookups. A configuration change makes a new table (<see cref="With"/> copies
/// the maps and rebuilds only the touched uris), swapped in atomically.
/// </summary>
public sealed class RouteTable
{
    private readonly Dictionary<string, CompiledRoute[]> _exact;
    private readonly Dictionary<string, CompiledRoute[]> _prefix;
    private readonly Dictionary<string, CompiledRoute[]>.AlternateLookup<ReadOnlySpan<char>> _exactLookup;
    private readonly Dictionary<string, CompiledRoute[]>.AlternateLookup<ReadOnlySpan<char>> _prefixLookup;
    private readonly int[] _prefixLengths;

    private RouteTable(Dictionary<string, CompiledRoute[]> exact, Dictionary<string, CompiledRoute[]> prefix, long version, int count)
    {
        _exact = exact;
        _prefix = prefix;
        _exactLookup = exact.GetAlternateLookup<ReadOnlySpan<char>>();
        _prefixLookup = prefix.GetAlternateLookup<ReadOnlySpan<char>>();
        _prefixLengths = prefix.Keys.Select(k => k.Length).Distinct().OrderDescending().ToArray();
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
        var exact = new Dictionary<string, List<CompiledRoute>>(StringComparer.Ordinal);
        var prefix = new Dictionary<string, List<CompiledRoute>>(StringComparer.Ordinal);
        var count = 0;
        foreach (var route in routes)
        {
            count++;
            foreach (var uri in route.Uris)
            {
                var (target, key) = uri.EndsWith('*') ? (prefix, uri[..^1]) : (exact, uri);
                if (!target.TryGetValue(key, out var list))
                {
                    target[key] = list = [];
                }
                list.Add(route);
            }
        }
        return new RouteTable(Freeze(exact), Freeze(prefix), version, count);
    }

    /// <summary>
    /// This table with <paramref name="removed"/> (routes of this table) taken out and <paramref name="added"/> put in
    /// (a changed route is in both: its old and its new compiled form). The maps are copied shallowly and only the candidate lists of the touched uris are rebuilt, so a change
    /// costs a map copy plus what it touches, not a recompile of every route.
    /// </summary>
    public RouteTable With(IReadOnlyCollection<CompiledRoute> removed, IReadOnlyCollection<CompiledRoute> added, long version)
    {
        var exact = new Dictionary<string, CompiledRoute[]>(_exact, StringComparer.Ordinal);
        var prefix = new Dictionary<string, CompiledRoute[]>(_prefix, StringComparer.Ordinal);
        var removedIds = removed.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var touched = new HashSet<(bool Prefix, string Key)>();
        foreach (var uri in removed.Concat(added).SelectMany(r => r.Uris))
        {
            touched.Add(uri.EndsWith('*') ? (true, uri[..^1]) : (false, uri));
        }
        var addedByKey = added
            .SelectMany(r => r.Uris.Select(u => (Key: u.EndsWith('*') ? (true, u[..^1]) : (false, u), Route: r)))
            .ToLookup(x => x.Key, x => x.Route);
        foreach (var (isPrefix, key) in touched)
        {
            var target = isPrefix ? prefix : exact;
            var kept = target.TryGetValue(key, out var old) ? old.Where(r => !removedIds.Contains(r.Id)) : [];
            var list = Order(kept.Concat(addedByKey[(isPrefix, key)]));
            if (list.Length == 0)
            {
                target.Remove(key);
            }
            else
            {
                target[key] = list;
            }
        }
        return new RouteTable(exact, prefix, version, Count - removed.Count + added.Count);
    }

    private static CompiledRoute[] Order(IEnumerable<CompiledRoute> routes) =>
        routes.OrderByDescending(r => r.Priority).ThenBy(r => r.Id, StringComparer.Ordinal).ToArray();

    private static Dictionary<string, CompiledRoute[]> Freeze(Dictionary<string, List<CompiledRoute>> lists) =>
        lists.ToDictionary(
            kv => kv.Key,
            kv => Order(kv.Value),
            StringComparer.Ordinal);

    /// <summary>The route for <paramref name="request"/>, or null (APISIX answers 404 Route Not Found).</summary>
    public CompiledRoute? Match(IRequestView request)
    {
        var path = request.Path.AsSpan();
        if (_exactLookup.TryGetValue(path, out var exact) && First(exact, request) is { } hit)
        {
            return hit;
        }
        foreach (var length in _prefixLengths)
        {
            if (length <= path.Length && _prefixLookup.TryGetValue(path[..length], out var candidates) && First(candidates, request) is { } found)
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
