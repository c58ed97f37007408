namespace OrleansGateway.Contracts.History;

/// <summary>
/// Who makes a write, carried in the grain call's request context from the Admin API (the admin key's name and the
/// client's address) to the group grain that records it; a call without it is the control plane's own
/// (<see cref="System"/>). Silos strip it from calls to data planes.
/// </summary>
public static class AuditActor
{
    /// <summary>The request-context key of the admin key's name.</summary>
    public const string KeyNameKey = "og-audit-key";

    /// <summary>The request-context key of the client's address.</summary>
    public const string ClientKey = "og-audit-client";

    /// <summary>The request-context key of the operation a restore is recorded as (a rollback from a snapshot).</summary>
    public const string OperationKey = "og-audit-operation";

    /// <summary>The name recorded for writes the control plane makes by itself (the default group, a keyring).</summary>
    public const string System = "system";

    /// <summary>Every key this class sets, for those that must strip them.</summary>
    public static readonly IReadOnlyList<string> Keys = [KeyNameKey, ClientKey, OperationKey];

    /// <summary>Names the caller of the grain calls made from here on in this async flow.</summary>
    public static void Set(string keyName, string? client)
    {
        RequestContext.Set(KeyNameKey, keyName);
        if (client is null)
        {
            RequestContext.Remove(ClientKey);
        }
        else
        {
            RequestContext.Set(ClientKey, client);
        }
    }

    /// <summary>The caller of the current grain call.</summary>
    public static (string KeyName, string? Client) Current() =>
        (RequestContext.Get(KeyNameKey) as string ?? System, RequestContext.Get(ClientKey) as string);

    /// <summary>The operation a restore is to be recorded as, when its caller said (else <see cref="AuditOperations.Restore"/>).</summary>
    public static string RestoreOperation() => RequestContext.Get(OperationKey) as string ?? AuditOperations.Restore;
}
