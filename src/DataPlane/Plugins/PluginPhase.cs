namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// The APISIX phase a plugin's request work runs in. All rewrite work runs before any access work, so an
/// authentication plugin (rewrite) has found the consumer before an access plugin such as ip-restriction or
/// limit-count runs, and a consumer's own plugins can take part in the access phase.
/// </summary>
public enum PluginPhase
{
    /// <summary>APISIX's rewrite phase: cors, key-auth, proxy-rewrite.</summary>
    Rewrite,

    /// <summary>APISIX's access phase: ip-restriction, limit-count.</summary>
    Access,

    /// <summary>No request work: the plugin only acts on the response or in the log phase (prometheus).</summary>
    None,
}
