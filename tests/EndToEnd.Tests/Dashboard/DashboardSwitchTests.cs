using System.Net;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.Dashboard;

/// <summary><c>deployment.admin.dashboard.enabled</c> and <c>session_ttl</c> as an operator sets them.</summary>
public class DashboardSwitchTests
{
    [Fact]
    public async Task Enabled_false_serves_no_dashboard_and_with_the_console_off_no_login()
    {
        await using var silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-dash-off"), extraEnv: new Dictionary<string, string>
        {
            ["deployment__admin__dashboard__enabled"] = "false",
            ["deployment__admin__console__enabled"] = "false",
        });
        using var requests = new DashboardRequests(silo.AdminPort);
        Assert.Equal(HttpStatusCode.NotFound, (await requests.GetAsync("/dashboard/", accept: "text/html")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await requests.GetAsync("/dashboard/login", accept: "text/html")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await requests.GetAsync("/dashboard/ClusterStats", apiKey: silo.AdminKey)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await requests.GetAsync("/console/", accept: "text/html")).StatusCode);
        using var admin = silo.AdminClient();
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/apisix/admin/routes")).StatusCode);
    }

    [Fact]
    public async Task The_console_keeps_its_login_when_the_dashboard_is_off()
    {
        await using var silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-dash-off-console"), extraEnv: new Dictionary<string, string>
        {
            ["deployment__admin__dashboard__enabled"] = "false",
        });
        using var requests = new DashboardRequests(silo.AdminPort);
        Assert.Equal(HttpStatusCode.NotFound, (await requests.GetAsync("/dashboard/ClusterStats", apiKey: silo.AdminKey)).StatusCode);
        var console = await requests.GetAsync("/console/", accept: "text/html");
        Assert.Equal(HttpStatusCode.Redirect, console.StatusCode);
        Assert.Equal("/dashboard/login?next=%2Fconsole%2F", console.Headers.Location!.OriginalString);
        var session = await requests.SessionAsync(silo.AdminKey);
        Assert.Equal(HttpStatusCode.OK, (await requests.GetAsync("/console/", session, accept: "text/html")).StatusCode);

        // After the login, the console page asked for; never another site, nor a page outside the console and dashboard
        // (the console's home instead, the dashboard being off).
        foreach (var (next, expected) in new[]
        {
            ("/console/groups/default/routes", "/console/groups/default/routes"), ("//evil.example/console/", "/console/"),
            ("https://evil.example/", "/console/"), ("/apisix/admin/routes", "/console/"), ("/console\\..\\x", "/console/"),
        })
        {
            var (response, _) = await requests.LogInAsync(silo.AdminKey, next);
            Assert.Equal((HttpStatusCode.SeeOther, expected), (response.StatusCode, response.Headers.Location!.OriginalString));
        }
        // The login page carries it through a refused attempt, HTML-encoded.
        var page = await requests.GetAsync("/dashboard/login?next=%2Fconsole%2F%22%3E%3Cscript%3E", accept: "text/html");
        Assert.Contains("value=\"/console/&quot;&gt;&lt;script&gt;\"", await page.Content.ReadAsStringAsync());
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
