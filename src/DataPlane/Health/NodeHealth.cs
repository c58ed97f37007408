using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using OrleansGateway.DataPlane.Proxy;

namespace OrleansGateway.DataPlane.Health;

/// <summary>What a health check observed.</summary>
public enum Observation
{
    Success,
    HttpFailure,
    TcpFailure,
    Timeout,
}

/// <summary>
/// Health of an upstream's nodes, as the active prober and passive observation report it. A node turns unhealthy
/// after enough consecutive failures of one kind and healthy again after enough consecutive successes. Kept per
/// upstream object, so it survives configuration versions in which the upstream did not change.
/// </summary>
public sealed class NodeHealth
{
    private static readonly ConditionalWeakTable<UpstreamDefinition, NodeHealth> ByUpstream = [];
    private readonly ConcurrentDictionary<string, Counters> _nodes = new(StringComparer.Ordinal);

    public static NodeHealth Of(UpstreamDefinition upstream) => ByUpstream.GetValue(upstream, _ => new NodeHealth());

    public bool IsHealthy(UpstreamNode node) => !_nodes.TryGetValue(node.Authority, out var c) || c.Healthy;

    /// <summary>Records an observation; true when it changed the node's health.</summary>
    public bool Report(UpstreamNode node, Observation observation, int successesNeeded, int httpFailures, int tcpFailures, int timeouts)
    {
        var counters = _nodes.GetOrAdd(node.Authority, _ => new Counters());
        lock (counters)
        {
            var before = counters.Healthy;
            if (observation == Observation.Success)
            {
                counters.Failures.Clear();
                counters.Successes++;
                if (!counters.Healthy && counters.Successes >= successesNeeded)
                {
                    counters.Healthy = true;
                }
            }
            else
            {
                counters.Successes = 0;
                var count = counters.Failures[observation] = counters.Failures.GetValueOrDefault(observation) + 1;
                var limit = observation switch
                {
                    Observation.HttpFailure => httpFailures,
                    Observation.TcpFailure => tcpFailures,
                    _ => timeouts,
                };
                if (counters.Healthy && limit > 0 && count >= limit)
                {
                    counters.Healthy = false;
                }
            }
            return before != counters.Healthy;
        }
    }

    /// <summary>Nodes to avoid: the unhealthy ones, unless every node is unhealthy (then all are tried, as APISIX).</summary>
    public IReadOnlyCollection<UpstreamNode> Unhealthy(IReadOnlyList<UpstreamNode> nodes)
    {
        var bad = nodes.Where(n => !IsHealthy(n)).ToList();
        return bad.Count == nodes.Count ? [] : bad;
    }

    private sealed class Counters
    {
        public bool Healthy = true;
        public int Successes;
        public readonly Dictionary<Observation, int> Failures = [];
    }
}
