using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Security;
using OrleansGateway.Contracts.Feed;

namespace OrleansGateway.Silo.Security;

/// <summary>
/// What a client (a call without the silos' token) may call: exactly what <c>src/DataPlane</c> calls (read its group,
/// heartbeat and register its own receiver of the group's pushes), scoped to the
/// group its client id names (<see cref="DataPlaneClientId"/>, checked against its certificate by the gateway), plus
/// the Orleans runtime services every client uses. Everything else is refused.
/// </summary>
public static class DataPlaneSurface
{
    /// <summary>Why the call is refused, or null when a data plane may make it.</summary>
    public static string? Refusal(IIncomingGrainCallContext call)
    {
        var method = call.InterfaceMethod;
        var interfaceName = method.DeclaringType?.FullName ?? call.InterfaceName;
        // A grain's or system target's own timer ticks arrive as messages from itself that no filter stamped (the
        // reminders' and the runtime's own): let them through before anything is allocated.
        if (call.SourceId == call.TargetId && interfaceName == TimerInterface)
        {
            return null;
        }
        var name = $"{interfaceName}.{call.MethodName}";
        if (call.SourceId is not { } source || !source.IsClient())
        {
            return $"{name} from {call.SourceId?.ToString() ?? "an unknown caller"}: a call from a silo must carry the cluster's token";
        }
        var group = DataPlaneClientId.GroupOf(source);
        if (method.DeclaringType == typeof(IClusterIdentityGrain))
        {
            return null;
        }
        if (method.DeclaringType == typeof(IGatewayGroupGrain))
        {
            return method.Name is nameof(IGatewayGroupGrain.Export) or nameof(IGatewayGroupGrain.GetChangesSince)
                ? GroupRefusal(name, group, call.TargetId.Key.ToString())
                : $"{name} is not open to data planes (they only read their group)";
        }
        if (method.DeclaringType == typeof(IGroupFeedGrain))
        {
            return GroupRefusal(name, group, call.TargetId.Key.ToString())
                ?? FollowerRefusal(name, source, call.Request.GetArgument(0));
        }
        if (call.TargetId.IsSystemTarget() && ClientRuntimeServices.Contains(interfaceName))
        {
            return null;
        }
        return $"{name} is not open to data planes";
    }

    private const string TimerInterface = "Orleans.Runtime.IGrainTimerInvoker";

    /// <summary>
    /// Orleans system targets a client's runtime calls on its gateway: its view of the cluster's grain types, and the
    /// cancellation of its own calls that timed out (as observed from <c>src/DataPlane</c> through connect, follow,
    /// fallback and reconnect).
    /// </summary>
    private static readonly HashSet<string> ClientRuntimeServices = new(StringComparer.Ordinal)
    {
        "Orleans.Runtime.IClusterManifestSystemTarget",
        "Orleans.Runtime.IGrainCallCancellationExtension",
    };

    private static string? GroupRefusal(string name, string? clientGroup, string group) => clientGroup == group
        ? null
        : clientGroup is null
            ? $"{name} on group '{group}': the caller is not a data plane (its client id names no group)"
            : $"{name} on group '{group}': this data plane serves group '{clientGroup}'";

    /// <summary>
    /// A data plane registers a receiver of its own client only (an observer id is the client's id, '+', a scope), so
    /// that it cannot direct a group's pushes to another client.
    /// </summary>
    private static string? FollowerRefusal(string name, GrainId caller, object? follower)
    {
        if (follower is not GrainReference reference)
        {
            return $"{name}: the receiver is not an observer";
        }
        var key = reference.GrainId.Key.ToString();
        var own = caller.Key.ToString() + "+";
        return reference.GrainId.Type == caller.Type && key.StartsWith(own, StringComparison.Ordinal)
            ? null
            : $"{name}: the receiver {reference.GrainId} is not an observer of the caller {caller}";
    }
}
