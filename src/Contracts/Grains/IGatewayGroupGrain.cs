using Orleans.Concurrency;
using OrleansGateway.Contracts.History;
using OrleansGateway.Contracts.Resources;

namespace OrleansGateway.Contracts.Grains;

/// <summary>
/// The single writer of one gateway group (the grain key is the group id). Every accepted write gets the next
/// group version, is durable before the call returns, and is published on the group's stream.
/// </summary>
[Alias("og.IGatewayGroupGrain")]
public interface IGatewayGroupGrain : IGrainWithStringKey
{
    /// <summary>The group's identity and version; 404 when it does not exist.</summary>
    [ReadOnly, Alias("GetInfo")]
    Task<GroupResult> GetInfo();

    /// <summary>Creates the group; 409 when it exists.</summary>
    [Alias("Create")]
    Task<GroupResult> Create(string? name, string? description);

    /// <summary>Deletes the group and everything in it.</summary>
    [Alias("DeleteGroup")]
    Task<GroupResult> DeleteGroup();

    /// <summary>
    /// Creates (201) or replaces (200) the resource <paramref name="id"/>. With <paramref name="ifMatch"/> set,
    /// the write is refused with 409 unless the item's modifiedIndex equals it.
    /// </summary>
    [AlwaysInterleave, Alias("Put")]
    Task<AdminResult> Put(ResourceKind kind, string id, string body, long? ifMatch = null);

    /// <summary>
    /// <c>PUT /apisix/admin/{kind}</c>: as <see cref="Put(ResourceKind, string, string, long?)"/> with the id
    /// <paramref name="id"/> read from the body, where an integer id stays an integer (as APISIX stores it; an id from
    /// the path is a string).
    /// </summary>
    [AlwaysInterleave, Alias("PutBodyId")]
    Task<AdminResult> PutWithBodyId(ResourceKind kind, string id, string body);

    /// <summary>Creates a resource with a generated id.</summary>
    [AlwaysInterleave, Alias("Post")]
    Task<AdminResult> Post(ResourceKind kind, string body);

    /// <summary>Merges <paramref name="body"/> into the resource (JSON merge patch: null removes a field).</summary>
    [AlwaysInterleave, Alias("Patch")]
    Task<AdminResult> Patch(ResourceKind kind, string id, string body, long? ifMatch = null);

    /// <summary>
    /// Sets the field at <paramref name="subPath"/> (<c>methods</c>, <c>upstream/nodes</c>) to the JSON value
    /// <paramref name="body"/>, as APISIX's <c>PATCH /apisix/admin/{kind}/{id}/{path}</c>: missing objects on the way
    /// are created, a <c>null</c> removes the field; the result is validated as a whole.
    /// </summary>
    [AlwaysInterleave, Alias("PatchPath")]
    Task<AdminResult> PatchPath(ResourceKind kind, string id, string subPath, string body, long? ifMatch = null);

    /// <summary>Deletes a resource; refused with 400 while another resource references it.</summary>
    [AlwaysInterleave, Alias("Delete")]
    Task<AdminResult> Delete(ResourceKind kind, string id, long? ifMatch = null);

    /// <summary>
    /// Deletes a resource; with <paramref name="force"/> even while others reference it (APISIX's <c>?force=true</c>):
    /// they keep the dangling id, and the data planes answer their requests as APISIX does (503, or 404 for a service).
    /// </summary>
    [AlwaysInterleave, Alias("DeleteForce")]
    Task<AdminResult> Delete(ResourceKind kind, string id, long? ifMatch, bool force);

    /// <summary>The resources that refer to one (what a delete would leave dangling), at most <paramref name="max"/>.</summary>
    [ReadOnly, Alias("ReferencedBy")]
    Task<IReadOnlyList<ResourceKey>> ReferencedBy(ResourceKind kind, string id, int max);

    /// <summary>One resource, or 404.</summary>
    [ReadOnly, Alias("Get")]
    Task<AdminResult> Get(ResourceKind kind, string id);

    /// <summary>A filtered page of one kind, ordered by id.</summary>
    [ReadOnly, Alias("List")]
    Task<ResourcePage> List(ResourceKind kind, ListQuery query);

    /// <summary>Everything in the group at its current version.</summary>
    [ReadOnly, Alias("Export")]
    Task<GroupExport> Export();

    /// <summary>The changes after <paramref name="version"/>.</summary>
    [ReadOnly, Alias("GetChangesSince")]
    Task<ChangeSet> GetChangesSince(long version);

    /// <summary>
    /// Replaces every resource of the group with the set in <paramref name="body"/> (APISIX standalone
    /// <c>PUT /apisix/admin/configs</c> shape) in one new version.
    /// </summary>
    [Alias("ReplaceAll")]
    Task<AdminResult> ReplaceAll(string body);

    /// <summary>
    /// <see cref="ReplaceAll(string)"/>; with <paramref name="force"/>, references to what is not in the set are kept
    /// (as a group holds them after a forced delete) instead of refusing the set.
    /// </summary>
    [Alias("ReplaceAllForce")]
    Task<AdminResult> ReplaceAll(string body, bool force);

    /// <summary>
    /// Disaster recovery: replaces every resource and the instance configuration with a snapshot's
    /// (<paramref name="resourcesJson"/> in the standalone shape, <paramref name="configJson"/>) in one new version,
    /// higher than any before, so data planes apply it.
    /// </summary>
    [Alias("Restore")]
    Task<AdminResult> Restore(string resourcesJson, string configJson, long fromSnapshotVersion);

    /// <summary>A page of the audit log (every accepted write: version, time, admin key name, client, what), newest first.</summary>
    [ReadOnly, AlwaysInterleave, Alias("GetAudit")]
    Task<AuditPage> GetAudit(AuditQuery query);

    /// <summary>
    /// The resources added, removed and changed from version <paramref name="from"/> to <paramref name="to"/> (the
    /// current version when null), from the retained history, secrets masked; at most <paramref name="limit"/> per
    /// list. 410 when the history no longer reaches <paramref name="from"/>.
    /// </summary>
    [ReadOnly, AlwaysInterleave, Alias("Diff")]
    Task<HistoryResult> Diff(long from, long? to, int limit);

    /// <summary>The diff from a snapshot's content (<paramref name="resourcesJson"/>, <paramref name="configJson"/>) to the live group.</summary>
    [ReadOnly, Alias("DiffWithSnapshot")]
    Task<HistoryResult> DiffWithSnapshot(string resourcesJson, string configJson, long snapshotVersion, int limit);

    /// <summary>
    /// Writes version <paramref name="to"/>'s content (resources and instance configuration, the current keyring kept)
    /// as one new version, audited; 410 when the retained history no longer reaches it.
    /// </summary>
    [Alias("Rollback")]
    Task<AdminResult> Rollback(long to);

    /// <summary>The instance configuration (<c>keyring</c>, <c>discovery</c>).</summary>
    [ReadOnly, Alias("GetConfig")]
    Task<GroupResult> GetConfig();

    /// <summary>Replaces the instance configuration.</summary>
    [Alias("PutConfig")]
    Task<GroupResult> PutConfig(string body);
}
