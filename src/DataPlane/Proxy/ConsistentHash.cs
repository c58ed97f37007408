using System.Text;
using OrleansGateway.DataPlane.Routing;

namespace OrleansGateway.DataPlane.Proxy;

/// <summary>
/// APISIX <c>chash</c>: a hash ring with 160 points per unit of weight; the request's key picks the first point at
/// or after its hash. <c>hash_on</c>: <c>vars</c> (default; <c>key</c> is a variable such as <c>remote_addr</c>,
/// <c>uri</c> or <c>arg_user</c>), <c>header</c>, <c>cookie</c>, <c>consumer</c>. A missing key hashes the client
/// address. The hash is deterministic, so every data plane maps a key to the same node.
/// </summary>
public sealed class ConsistentHash : INodePicker
{
    private const int PointsPerWeight = 160;
    private readonly (uint Hash, UpstreamNode Node)[] _ring;
    private readonly string _hashOn;
    private readonly string _key;

    public ConsistentHash(UpstreamDefinition upstream)
    {
        _hashOn = upstream.HashOn;
        _key = upstream.HashKey ?? "remote_addr";
        _ring = upstream.Nodes
            .Where(n => n.Weight > 0)
            .SelectMany(n => Enumerable.Range(0, n.Weight * PointsPerWeight).Select(i => (Fnv1a($"{n.Authority}#{i}"), n)))
            .OrderBy(p => p.Item1)
            .ToArray();
    }

    public UpstreamNode? Pick(HttpContext context, IReadOnlyCollection<UpstreamNode> exclude)
    {
        if (_ring.Length == 0)
        {
            return null;
        }
        var hash = Fnv1a(KeyOf(context));
        var index = Array.BinarySearch(_ring, (hash, null!), PointComparer.Instance);
        if (index < 0)
        {
            index = ~index;
        }
        // A retry walks the ring to the next distinct node not tried yet.
        for (var step = 0; step < _ring.Length; step++)
        {
            var node = _ring[(index + step) % _ring.Length].Node;
            if (!exclude.Contains(node))
            {
                return node;
            }
        }
        return _ring[index % _ring.Length].Node;
    }

    public void Release(UpstreamNode node)
    {
    }

    private string KeyOf(HttpContext context)
    {
        var view = new HttpRequestView(context);
        var value = _hashOn switch
        {
            "header" => view.Header(_key),
            "cookie" => view.Cookie(_key),
            "consumer" => context.Request.Headers["X-Consumer-Username"].ToString() is { Length: > 0 } c ? c : null,
            _ => VarsExpression.Resolve(view, _key),
        };
        return value ?? Routing.Networks.Text(view.RemoteAddress) ?? "";
    }

    /// <summary>32-bit FNV-1a of the UTF-8 bytes, then an avalanche step: similar keys ("node#1", "node#2") land far apart.</summary>
    public static uint Fnv1a(string text)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 16777619u;
        }
        hash ^= hash >> 16;
        hash *= 0x85ebca6bu;
        hash ^= hash >> 13;
        hash *= 0xc2b2ae35u;
        hash ^= hash >> 16;
        return hash;
    }

    private sealed class PointComparer : IComparer<(uint Hash, UpstreamNode Node)>
    {
        public static readonly PointComparer Instance = new();

        public int Compare((uint Hash, UpstreamNode Node) x, (uint Hash, UpstreamNode Node) y) => x.Hash.CompareTo(y.Hash);
    }
}
