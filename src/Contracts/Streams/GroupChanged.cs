using OrleansGateway.Contracts.Resources;

namespace OrleansGateway.Contracts.Streams;

/// <summary>
/// Published on a group's stream after every accepted write. It is a hint: a subscriber whose version is not
/// <see cref="PreviousVersion"/> asks the grain for the changes since its own version (or a full export).
/// <see cref="TraceParent"/> and <see cref="TraceState"/> carry the W3C trace context of the write, so that a data
/// plane's apply of this version continues the write's trace (stream delivery itself carries no trace context).
/// </summary>
[GenerateSerializer, Immutable, Alias("og.GroupChanged")]
public sealed record GroupChanged(
    [property: Id(0)] string Group,
    [property: Id(1)] long Version,
    [property: Id(2)] long PreviousVersion,
    [property: Id(3)] IReadOnlyList<ResourceKey> Changed,
    [property: Id(4)] bool Reset,
    [property: Id(5)] string? TraceParent = null,
    [property: Id(6)] string? TraceState = null);

/// <summary>Names of the stream provider and namespace that carry <see cref="GroupChanged"/> events.</summary>
public static class GroupStreams
{
    /// <summary>The stream provider registered on silos and clients.</summary>
    public const string Provider = "gateway";

    /// <summary>The stream namespace; the stream key is the group id.</summary>
    public const string Namespace = "gateway-group";

    /// <summary>The grain storage that keeps stream subscriptions.</summary>
    public const string PubSubStore = "PubSubStore";
}
