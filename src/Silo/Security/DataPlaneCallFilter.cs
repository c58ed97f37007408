using OrleansGateway.Configuration;

namespace OrleansGateway.Silo.Security;

/// <summary>
/// Incoming grain-call filter of every silo: a call that does not carry the cluster's token (<see cref="ClusterTrust"/>)
/// came from a client through a gateway, and may only do what a data plane does (<see cref="DataPlaneSurface"/>):
/// read its own group, heartbeat and receive its pushes, ask the cluster's identity. Anything else — a write, another
/// group, the management grain — is refused with an exception the caller sees, and logged once a minute per caller
/// kind and method.
/// </summary>
public sealed class DataPlaneCallFilter(ClusterTrust trust, ILogger<DataPlaneCallFilter> logger, TimeProvider time) : IIncomingGrainCallFilter
{
    private readonly LogThrottle _throttle = new(TimeSpan.FromMinutes(1), time);

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (trust.IsSiloCall(RequestContext.Get(ClusterTrust.RequestContextKey)))
        {
            return context.Invoke();
        }
        var refusal = DataPlaneSurface.Refusal(context);
        if (refusal is null)
        {
            return context.Invoke();
        }
        Log(context, refusal);
        throw new UnauthorizedAccessException($"refused by the control plane: {refusal}");
    }

    private void Log(IIncomingGrainCallContext context, string refusal)
    {
        if (!_throttle.ShouldLog($"{context.SourceId?.Type}|{context.InterfaceName}.{context.MethodName}"))
        {
            return;
        }
        logger.LogWarning("Refused a call from {Source} to {Target}: {Refusal}", context.SourceId?.ToString() ?? "an unknown caller", context.TargetId, refusal);
    }
}
