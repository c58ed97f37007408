using OrleansGateway.Contracts.Grains;

namespace OrleansGateway.Contracts.Feed;

/// <summary>
/// Pushed to every data plane following a group after each commit (<see cref="IGroupFollower"/>). When
/// <see cref="Delta"/> is set it holds exactly what <c>GetChangesSince(PreviousVersion)</c> would answer, computed and
/// serialized once per commit by the group's grain: a follower at <see cref="PreviousVersion"/> applies it without a
/// call. Otherwise (a bulk replace, a change too large to push, or a follower at another version) it is a hint: the
/// follower asks the grain for the changes since its own version, or a full export. Followers reconcile by version
/// either way: a push never moves one backwards, and one that missed a push learns it from the next push or heartbeat.
/// <see cref="TraceParent"/> and <see cref="TraceState"/> carry the W3C trace context of the (last) write, so that a
/// data plane's apply of this version continues the write's trace.
/// </summary>
[GenerateSerializer, Immutable, Alias("og.GroupChanged")]
public sealed record GroupChanged(
    [property: Id(0)] string Group,
    [property: Id(1)] long Version,
    [property: Id(2)] long PreviousVersion,
    [property: Id(4)] bool Reset,
    [property: Id(5)] string? TraceParent = null,
    [property: Id(6)] string? TraceState = null,
    [property: Id(7)] ChangeSet? Delta = null);
