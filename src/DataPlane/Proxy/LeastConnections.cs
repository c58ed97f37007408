namespace OrleansGateway.DataPlane.Proxy;

/// <summary>
/// APISIX <c>least_conn</c>: the node with the lowest (active requests + 1) / weight; weight 0 nodes are never picked.
/// </summary>
public sealed class LeastConnections(IReadOnlyList<UpstreamNode> nodes) : INodePicker
{
    private readonly int[] _active = new int[nodes.Count];
    private readonly Lock _lock = new();

    public UpstreamNode? Pick(HttpContext context, IReadOnlyCollection<UpstreamNode> exclude)
    {
        lock (_lock)
        {
            var best = -1;
            var bestScore = double.MaxValue;
            for (var pass = 0; pass < 2 && best < 0; pass++)
            {
                for (var i = 0; i < nodes.Count; i++)
                {
                    if (nodes[i].Weight <= 0 || (pass == 0 && exclude.Contains(nodes[i])))
                    {
                        continue;
                    }
                    var score = (_active[i] + 1.0) / nodes[i].Weight;
                    if (score < bestScore)
                    {
                        (best, bestScore) = (i, score);
                    }
                }
            }
            if (best < 0)
            {
                return null;
            }
            _active[best]++;
            return nodes[best];
        }
    }

    public void Release(UpstreamNode node)
    {
        lock (_lock)
        {
            for (var i = 0; i < nodes.Count; i++)
            {
                if (ReferenceEquals(nodes[i], node) && _active[i] > 0)
                {
                    _active[i]--;
                    return;
                }
            }
        }
    }

    /// <summary>Requests in flight per node (for tests and metrics).</summary>
    public int Active(UpstreamNode node)
    {
        lock (_lock)
        {
            for (var i = 0; i < nodes.Count; i++)
            {
                if (ReferenceEquals(nodes[i], node))
                {
                    return _active[i];
                }
            }
            return 0;
        }
    }
}
