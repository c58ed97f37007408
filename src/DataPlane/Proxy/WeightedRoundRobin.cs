namespace OrleansGateway.DataPlane.Proxy;

/// <summary>
/// Smooth weighted round robin (as nginx): over any window of total-weight picks each node is chosen in proportion
/// to its weight, interleaved rather than in bursts. Weight 0 nodes are never picked. Thread-safe.
/// </summary>
public sealed class WeightedRoundRobin(IReadOnlyList<UpstreamNode> nodes) : INodePicker
{
    private readonly int[] _current = new int[nodes.Count];
    private readonly int _total = nodes.Sum(n => n.Weight);
    private readonly Lock _lock = new();

    public UpstreamNode? Pick(HttpContext context, IReadOnlyCollection<UpstreamNode> exclude)
    {
        // A retry skips the nodes already tried, as long as another one is left.
        var limit = nodes.Count;
        while (limit-- > 0)
        {
            var node = Next();
            if (node is null || !exclude.Contains(node))
            {
                return node;
            }
        }
        return Next();
    }

    public void Release(UpstreamNode node)
    {
    }

    /// <summary>The next node, or null when every node has weight 0.</summary>
    public UpstreamNode? Next()
    {
        if (_total <= 0)
        {
            return null;
        }
        lock (_lock)
        {
            var best = -1;
            for (var i = 0; i < nodes.Count; i++)
            {
                if (nodes[i].Weight <= 0)
                {
                    continue;
                }
                _current[i] += nodes[i].Weight;
                if (best < 0 || _current[i] > _current[best])
                {
                    best = i;
                }
            }
            _current[best] -= _total;
            return nodes[best];
        }
    }
}
