namespace OrleansGateway.Contracts.History;

/// <summary>The <see cref="AuditEntry.Operation"/> names.</summary>
public static class AuditOperations
{
    /// <summary>The group was created (version 0).</summary>
    public const string CreateGroup = "create_group";
    /// <summary>A resource was created (PUT of a new id, POST).</summary>
    public const string Create = "create";
    /// <summary>A resource was replaced (PUT of an existing id).</summary>
    public const string Update = "update";
    /// <summary>A resource was changed by a PATCH.</summary>
    public const string Patch = "patch";
    /// <summary>A resource was deleted.</summary>
    public const string Delete = "delete";
    /// <summary>Every resource was replaced by a bulk import (<c>PUT /apisix/admin/configs</c>).</summary>
    public const string Import = "import";
    /// <summary>The group was replaced by a snapshot.</summary>
    public const string Restore = "restore";
    /// <summary>The group was given an earlier version's content again.</summary>
    public const string Rollback = "rollback";
    /// <summary>The instance configuration changed.</summary>
    public const string Config = "config";

    /// <summary>Every name, for validating a filter.</summary>
    public static readonly IReadOnlyList<string> All = [CreateGroup, Create, Update, Patch, Delete, Import, Restore, Rollback, Config];
}
