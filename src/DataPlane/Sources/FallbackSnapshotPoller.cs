using OrleansGateway.Contracts.Security;
using OrleansGateway.Contracts.Snapshots;
using OrleansGateway.DataPlane.Proxy;
using OrleansGateway.Snapshots;
using OrleansGateway.Snapshots.Stores;

namespace OrleansGateway.DataPlane.Sources;

/// <summary>
/// Polls the group's resource snapshot in the fallback store (conditional GET of the manifest), verifies it and
/// applies it when it is newer than what is served. A refused snapshot changes nothing and shows in the status.
/// </summary>
public sealed class FallbackSnapshotPoller(
    SnapshotReader reader,
    ProxyConfigHolder holder,
    DataPlaneStatus status,
    string source,
    ILogger logger,
    TimeProvider time)
{
    /// <summary>One poll; never throws for store or snapshot problems.</summary>
    public async Task PollOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        try
        {
            var result = await reader.PollAsync(holder.Current.Version, cancellationToken);
            if (result.Outcome != PollOutcome.Newer)
            {
                status.RecordPoll(now, result.Outcome switch
                {
                    PollOutcome.Missing => "missing",
                    PollOutcome.NotNewer => "not_newer",
                    _ => "unchanged",
                });
                return;
            }
            var document = result.Document!;
            using var activity = Observability.DataPlaneTracing.Start(document.Group, source, "a newer snapshot", holder.Current.Version);
            // The instance configuration of the same version holds the keyring that opens its encrypted secrets.
            var instance = await reader.ReadVersionAsync(SnapshotLayout.Config, document.Version, cancellationToken);
            ProxyConfig config;
            try
            {
                // Unchanged routes and upstreams are kept from the served version (upstreams with their health state).
                config = ProxyConfig.Build(document.DataJson, document.Version, source, now, previous: holder.Current, configJson: instance?.DataJson ?? "{}");
            }
            catch (FieldDecryptionException e)
            {
                var why = instance is null ? $"{e.Message} (its instance configuration, with the keyring, is not in the config bucket)" : e.Message;
                Observability.DataPlaneTracing.Finish(activity, null, failed: true);
                logger.LogError("Refused snapshot version {Version} of group {Group}: {Reason}; still serving version {Served}", document.Version, document.Group, why, holder.Current.Version);
                status.RecordPoll(now, "refused", why);
                reader.Forget(); // read it again next time: a missing configuration may yet appear
                status.SetApplyError($"snapshot version {document.Version} refused: {why}");
                return;
            }
            var applied = holder.TryApply(config);
            Observability.DataPlaneTracing.Finish(activity, applied ? config.Version : null);
            if (applied)
            {
                logger.LogInformation("Applied snapshot version {Version} of group {Group} from the fallback store ({Routes} routes, mode {Mode})",
                    document.Version, document.Group, config.Routes.Count, source);
            }
            status.RecordPoll(now, "newer");
            status.SetApplyError(null);
        }
        catch (SnapshotRejectedException e)
        {
            logger.LogWarning("Refused a snapshot from the fallback store ({Reason}): {Message}; still serving version {Version}", e.Reason, e.Message, holder.Current.Version);
            status.RecordPoll(now, "refused", e.Message);
        }
        catch (SnapshotStoreException e)
        {
            status.RecordPoll(now, "unreachable", e.Message);
        }
    }
}
