using OrleansGateway.Contracts.Feed;
using OrleansGateway.Contracts.Grains;

namespace OrleansGateway.DataPlane.Sources;

/// <summary>
/// How the data plane reaches the control plane: an Orleans client connection of its own (a separate data-plane
/// process), or the silo's own grain factory (the <c>traditional</c> role, proxy and silo in one process).
/// </summary>
public interface IControlPlaneLink : IAsyncDisposable
{
    IGrainFactory Grains { get; }

    /// <summary>
    /// Creates this link's receiver of the group's pushes (a fresh one on every link); pushes start with the first
    /// <see cref="HeartbeatAsync"/>, which registers it with the silo the link is connected through.
    /// </summary>
    void Follow(string group, Func<GroupChanged, Task> onChange);

    /// <summary>Registers (refreshes) the receiver and reports the data plane; returns the newest version the silo knows.</summary>
    Task<long> HeartbeatAsync(DataPlaneHeartbeat heartbeat);

    /// <summary>Raised (on any thread) when the link lost its connection to every gateway: heartbeat now to find out.</summary>
    event Action? ConnectionLost;
}

/// <summary>Opens a link; throws when the control plane does not answer within the attempt's bound.</summary>
public delegate Task<IControlPlaneLink> ControlPlaneLinkFactory(TimeSpan timeout, CancellationToken cancellationToken);
