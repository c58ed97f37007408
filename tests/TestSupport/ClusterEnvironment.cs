namespace OrleansGateway.TestSupport;

/// <summary>The environment of a benchmark's control-plane silos: one embedded silo, or a PostgreSQL cluster.</summary>
public static class ClusterEnvironment
{
    /// <summary>
    /// <c>control_plane</c> role with <paramref name="adminKey"/> and room for bulk loads; with <paramref name="db"/>,
    /// a PostgreSQL cluster of its own (cluster id = database name) with mutual TLS (<paramref name="tls"/>) or, for
    /// comparisons only, without it (<c>allow_insecure</c>).
    /// </summary>
    public static Dictionary<string, string> ControlPlane(string adminKey, PostgresDatabase? db, bool tls = true)
    {
        var env = new Dictionary<string, string>
        {
            ["deployment__role"] = "control_plane",
            ["deployment__admin__admin_key__0__key"] = adminKey,
            ["deployment__admin__max_body_bytes"] = "268435456",
        };
        if (db is not null)
        {
            env["deployment__orleans__postgresql__connection_string"] = db.ConnectionString;
            env["deployment__orleans__cluster_id"] = db.Name;
            if (tls)
            {
                env.SetAll(TestPki.Shared.SiloEnv());
            }
            else
            {
                env["deployment__orleans__allow_insecure"] = "true";
            }
        }
        return env;
    }
}
