using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.History;

namespace OrleansGateway.Silo.AdminApi;

/// <summary>
/// A rollback, as the Admin API and the console do it: from the group's history; when that no longer reaches the
/// version, from a retained snapshot of exactly that version (recorded as a rollback); with neither, 410 and nothing
/// changed.
/// </summary>
public static class GroupRollback
{
    /// <summary>The outcome and where the content came from (<c>history</c> or <c>snapshot</c>).</summary>
    public static async Task<(AdminResult Result, string Source)> RunAsync(IGrainFactory grains, string group, long to)
    {
        var result = await grains.GetGrain<IGatewayGroupGrain>(group).Rollback(to);
        if (result.Status != 410)
        {
            return (result, "history");
        }
        RequestContext.Set(AuditActor.OperationKey, AuditOperations.Rollback);
        try
        {
            var restored = await grains.GetGrain<ISnapshotGrain>(group).Restore(to);
            return restored.Status == 404
                ? (AdminResult.Fail(410, $"{result.Error}; and {restored.Error}: nothing was changed", result.Version), "history")
                : (restored, "snapshot");
        }
        finally
        {
            RequestContext.Remove(AuditActor.OperationKey);
        }
    }
}
