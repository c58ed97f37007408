using System.Diagnostics;

namespace OrleansGateway.Grains.Observability;

/// <summary>
/// The control plane's spans (<see cref="SourceName"/>): <c>og.group.write</c> for each Admin API write in the group
/// grain, <c>og.group.commit</c> for each store transaction of queued single-resource writes (a batch; whole-group
/// replaces and restores are traced by their <c>og.group.write</c> alone), <c>og.snapshot.run</c> for each
/// snapshot attempt. Activities exist only while a tracer listens (OTLP export configured).
/// </summary>
public static class ControlPlaneTracing
{
    public const string SourceName = "OrleansGateway.ControlPlane";

    public static readonly ActivitySource Source = new(SourceName);

    public static Activity? StartWrite(string group, string operation, string? kind, string? id)
    {
        var activity = Source.StartActivity("og.group.write");
        activity?.SetTag("og.group", group);
        activity?.SetTag("og.operation", operation);
        activity?.SetTag("og.kind", kind);
        activity?.SetTag("og.id", id);
        return activity;
    }

    /// <summary>
    /// A commit of one or more writes: inside the writer's trace when it carries one write, else a trace of its own
    /// linked to every writer's.
    /// </summary>
    /// <remarks>On the write path: without a listener it returns before looking at the writers.</remarks>
    public static Activity? StartCommit(string group, long from, long to, int writes, IEnumerable<ActivityContext> writers)
    {
        if (!Source.HasListeners())
        {
            return null;
        }
        var traced = writers.Where(w => w != default).ToList();
        var activity = traced.Count == 1 && writes == 1
            ? Source.StartActivity("og.group.commit", ActivityKind.Internal, traced[0])
            : Source.StartActivity("og.group.commit", ActivityKind.Internal, new ActivityContext(), links: traced.Select(w => new ActivityLink(w)));
        activity?.SetTag("og.group", group);
        activity?.SetTag("og.version.from", from);
        activity?.SetTag("og.version.to", to);
        activity?.SetTag("og.writes", writes);
        return activity;
    }

    public static Activity? StartSnapshot(string group, bool force)
    {
        var activity = Source.StartActivity("og.snapshot.run");
        activity?.SetTag("og.group", group);
        activity?.SetTag("og.force", force);
        return activity;
    }

    /// <summary>Marks the end of an operation with its HTTP-like status and the version it produced.</summary>
    public static void Finish(Activity? activity, int status, long version)
    {
        if (activity is null)
        {
            return;
        }
        activity.SetTag("og.status", status);
        activity.SetTag("og.version", version);
        activity.SetTag("og.outcome", ControlPlaneMetrics.Outcome(status));
        if (status >= 500)
        {
            activity.SetStatus(ActivityStatusCode.Error);
        }
    }
}
