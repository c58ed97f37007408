using System.Diagnostics;
using OrleansGateway.Contracts.Feed;

namespace OrleansGateway.DataPlane.Observability;

/// <summary>
/// The data plane's spans (<see cref="SourceName"/>): <c>og.dp.apply</c> for each load of a newer configuration.
/// An apply that follows a change hint continues the trace of the write that caused it (the hint carries its W3C
/// context), so one trace runs from the Admin API call to every data plane that applied it.
/// </summary>
public sealed class DataPlaneTracing
{
    public const string SourceName = "OrleansGateway.DataPlane";

    public static readonly ActivitySource Source = new(SourceName);

    private readonly Lock _lock = new();
    private (long Version, ActivityContext Context) _latestHint;

    /// <summary>Keeps the trace context of the newest hint, for the apply that will bring that version.</summary>
    public void Remember(GroupChanged change)
    {
        if (!TraceContext.TryParse(change.TraceParent, change.TraceState, out var context))
        {
            return;
        }
        lock (_lock)
        {
            if (change.Version > _latestHint.Version)
            {
                _latestHint = (change.Version, context);
            }
        }
    }

    /// <summary>
    /// Starts an apply from <paramref name="source"/>: in the trace of the newest hint that is newer than the served
    /// version (whatever then brings that version: the hint, a heartbeat or a reconnect), else a trace of its own.
    /// </summary>
    public Activity? StartApply(string group, string source, string why, long servedVersion)
    {
        ActivityContext parent;
        lock (_lock)
        {
            parent = _latestHint.Version > servedVersion ? _latestHint.Context : default;
        }
        return Start(group, source, why, servedVersion, parent);
    }

    /// <summary>An apply no write's trace leads to (a fallback store poll).</summary>
    public static Activity? Start(string group, string source, string why, long servedVersion, ActivityContext parent = default)
    {
        var activity = Source.StartActivity("og.dp.apply", ActivityKind.Consumer, parent);
        activity?.SetTag("og.group", group);
        activity?.SetTag("og.source", source);
        activity?.SetTag("og.reason", why);
        activity?.SetTag("og.version.served", servedVersion);
        return activity;
    }

    /// <summary>Ends an apply: the version now served, or that nothing newer was applied.</summary>
    public static void Finish(Activity? activity, long? appliedVersion, bool failed = false)
    {
        if (activity is null)
        {
            return;
        }
        activity.SetTag("og.outcome", failed ? "failed" : appliedVersion is null ? "not_newer" : "applied");
        if (appliedVersion is { } v)
        {
            activity.SetTag("og.version", v);
        }
        if (failed)
        {
            activity.SetStatus(ActivityStatusCode.Error);
        }
    }
}
