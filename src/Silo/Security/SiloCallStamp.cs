using OrleansGateway.Contracts.History;

namespace OrleansGateway.Silo.Security;

/// <summary>
/// Outgoing grain-call filter of every silo: stamps calls to grains and system targets with the cluster's token, and
/// strips it from calls to clients, so that a data plane never sees it (a grain's request context flows into the calls
/// it makes, pushes to data planes' observers included), nor who made the write it is told of (<see cref="AuditActor"/>).
/// </summary>
public sealed class SiloCallStamp(ClusterTrust trust) : IOutgoingGrainCallFilter
{
    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        // Async on purpose: the change to the request context stays within this call.
        if (context.TargetId.IsClient())
        {
            RequestContext.Remove(ClusterTrust.RequestContextKey);
            foreach (var key in AuditActor.Keys)
            {
                RequestContext.Remove(key);
            }
        }
        else
        {
            RequestContext.Set(ClusterTrust.RequestContextKey, trust.Token);
        }
        await context.Invoke();
    }
}
