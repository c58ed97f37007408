using OrleansGateway.Contracts.Streams;

namespace OrleansGateway.DataPlane.Sources;

/// <summary>
/// How the data plane reaches the control plane: an Orleans client connection of its own (a separate data-plane
/// process), or the silo's own grain factory (the <c>traditional</c> role, proxy and silo in one process).
/// </summary>
public interface IControlPlaneLink : IAsyncDisposable
{
    IGrainFactory Grains { get; }

    /// <summary>Subscribes to the group's change hints (a fresh subscription on every link).</summary>
    Task SubscribeAsync(string group, Func<GroupChanged, Task> onChange);
}

/// <summary>Opens a link; throws when the control plane does not answer within the attempt's bound.</summary>
public delegate Task<IControlPlaneLink> ControlPlaneLinkFactory(TimeSpan timeout, CancellationToken cancellationToken);
