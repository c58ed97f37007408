namespace OrleansGateway.DataPlane.Proxy;

/// <summary>Chooses an upstream node for a request; one instance per upstream of a configuration version.</summary>
public interface INodePicker
{
    /// <summary>The node for this attempt (null when every node has weight 0); <paramref name="exclude"/> holds nodes already tried.</summary>
    UpstreamNode? Pick(HttpContext context, IReadOnlyCollection<UpstreamNode> exclude);

    /// <summary>The request to <paramref name="node"/> finished (for least_conn's counts).</summary>
    void Release(UpstreamNode node);

    /// <summary>A picker for the upstream's <c>type</c>.</summary>
    static INodePicker For(UpstreamDefinition upstream) => upstream.Type switch
    {
        "least_conn" => new LeastConnections(upstream.Nodes),
        "chash" => new ConsistentHash(upstream),
        _ => new WeightedRoundRobin(upstream.Nodes),
    };
}
