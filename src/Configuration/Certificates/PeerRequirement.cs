namespace OrleansGateway.Configuration.Certificates;

/// <summary>Who may be on the other end of an Orleans connection.</summary>
public enum PeerRequirement
{
    /// <summary>A silo (<c>og-role:silo</c>): the silo port, and the server end of every outbound connection.</summary>
    Silo,

    /// <summary>A silo, or a data plane of some group (<c>og-group:…</c>): the gateway port.</summary>
    SiloOrDataPlane,
}
