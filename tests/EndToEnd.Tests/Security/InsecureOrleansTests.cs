using System.Text.Json.Nodes;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.Security;

/// <summary>A cluster without TLS runs only when asked to, and then says so at start and in its status.</summary>
public class InsecureOrleansTests
{
    [Fact]
    public async Task A_postgresql_silo_without_certs_refuses_to_start_unless_allow_insecure_and_then_warns()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        var env = new Dictionary<string, string>
        {
            ["deployment__role"] = "control_plane",
            ["deployment__orleans__postgresql__connection_string"] = db.ConnectionString,
            ["deployment__orleans__cluster_id"] = db.Name,
        };
        var dir = RepoPaths.TempFolder("og-insecure");
        File.WriteAllText(Path.Combine(dir, "none.yaml"), "# empty\n");
        await using (var refused = HostProcess.Start(RepoPaths.SiloDll, dir, ["--config", Path.Combine(dir, "none.yaml")], env))
        {
            Assert.Equal(2, await refused.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("this silo clusters through PostgreSQL", refused.Output);
            Assert.Contains("deployment.orleans.allow_insecure: true", refused.Output);
        }

        env["deployment__orleans__allow_insecure"] = "true";
        await using var silo = await SiloProcess.StartAsync(dir, extraEnv: env);
        Assert.Contains("warning: Orleans connections run without TLS (deployment.orleans.allow_insecure: true)", silo.Process.Output);
        using var admin = silo.AdminClient();
        var status = JsonNode.Parse(await admin.GetStringAsync("/api/status"))!;
        Assert.Equal("insecure", status["orleans_transport"]!.GetValue<string>());
        Assert.Contains("anyone who reaches the Orleans ports", Assert.Single(status["warnings"]!.AsArray())!.GetValue<string>());
    }
}
