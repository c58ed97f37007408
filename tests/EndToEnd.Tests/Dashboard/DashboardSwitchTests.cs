using System.Net;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.Dashboard;

/// <summary><c>deployment.admin.dashboard.enabled</c> and <c>session_ttl</c> as an operator sets them.</summary>
public class DashboardSwitchTests
{
    [Fact]
    public async Task Enabled_false_serves_no_dashboard_and_no_login()
    {
        await using var silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-dash-off"), extraEnv: new Dictionary<string, string>
        {
            ["deployment__admin__dashboard__enabled"] = "false",
        });
        using var requests = new DashboardRequests(silo.AdminPort);
        Assert.Equal(HttpStatusCode.NotFound, (await requests.GetAsync("/dashboard/", accept: "text/html")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await requests.GetAsync("/dashboard/login", accept: "text/html")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await requests.GetAsync("/dashboard/ClusterStats", apiKey: silo.AdminKey)).StatusCode);
        using var admin = silo.AdminClient();
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/apisix/admin/routes")).StatusCode);
    }

    [Fact]
    public async Task A_login_ends_after_session_ttl()
    {
        await using var silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-dash-ttl"), extraEnv: new Dictionary<string, string>
        {
            ["deployment__admin__dashboard__session_ttl"] = "2s",
        });
        using var requests = new DashboardRequests(silo.AdminPort);
        var session = await requests.SessionAsync(silo.AdminKey);
        Assert.Equal(HttpStatusCode.OK, (await requests.GetAsync("/dashboard/ClusterStats", session)).StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Equal(HttpStatusCode.Unauthorized, (await requests.GetAsync("/dashboard/ClusterStats", session)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await requests.GetAsync("/dashboard/", session, accept: "text/html")).StatusCode);
    }

    [Theory]
    [InlineData("deployment__admin__dashboard__enabled", "yes please", "deployment.admin.dashboard.enabled = \"yes please\"")]
    [InlineData("deployment__admin__dashboard__session_ttl", "forever", "deployment.admin.dashboard.session_ttl = \"forever\"")]
    [InlineData("deployment__admin__dashboard__session_ttl", "200h", "deployment.admin.dashboard.session_ttl = \"200h\"")]
    public async Task A_bad_value_stops_the_silo_naming_the_key_and_the_value(string variable, string value, string expected)
    {
        var dir = RepoPaths.TempFolder("og-dash-bad");
        File.WriteAllText(Path.Combine(dir, "none.yaml"), "# empty\n");
        await using var process = HostProcess.Start(RepoPaths.SiloDll, dir, ["--config", Path.Combine(dir, "none.yaml")], new Dictionary<string, string>
        {
            ["deployment__data_dir"] = dir,
            ["deployment__admin__admin_listen__port"] = FreePorts.Next().ToString(),
            [variable] = value,
        });
        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(expected, process.Output);
    }
}
