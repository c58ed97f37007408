using System.Net;
using System.Text;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.Dashboard;

/// <summary>
/// A person's view: headless Chromium (tests/browser/dashboard-login.mjs) is sent to the login page, refused with a
/// wrong key, logs in with the right one and sees the silo and the gateway-group grain. Screenshots go to
/// TestResults/dashboard.
/// </summary>
public class DashboardBrowserTests
{
    [Fact]
    public async Task A_browser_logs_in_and_sees_the_silo_and_the_gateway_group_grain()
    {
        await using var silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-dash-ui"));
        using var admin = silo.AdminClient();
        var created = await admin.PostAsync("/api/gateway_groups", new StringContent("""{"id":"dashboard-ui","name":"dashboard-ui"}""", Encoding.UTF8, "application/json"));
        Assert.True(created.IsSuccessStatusCode, $"creating a gateway group answered {(int)created.StatusCode}");
        var upstream = await admin.PutAsync("/apisix/admin/upstreams/1?gateway_group_id=dashboard-ui",
            new StringContent("""{"nodes":{"127.0.0.1:1980":1}}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, upstream.StatusCode);

        var screenshots = Path.Combine(RepoPaths.Root, "TestResults", "dashboard");
        Directory.CreateDirectory(screenshots);
        var result = await NodeScript.RunAsync("dashboard-login.mjs", new Dictionary<string, string>
        {
            ["DASHBOARD_URL"] = $"http://127.0.0.1:{silo.AdminPort}",
            ["DASHBOARD_KEY"] = silo.AdminKey,
            ["EXPECT_SILOS"] = $"127.0.0.1:{silo.SiloPort}",
            ["EXPECT_GRAIN"] = "GatewayGroupGrain",
            ["SCREENSHOT_DIR"] = screenshots,
        }, TimeSpan.FromSeconds(90));

        Assert.False(result.TimedOut, $"the browser script did not finish within 90 s:\n{result.Output}");
        Assert.True(result.ExitCode == 0, $"the browser script exited with {result.ExitCode}:\n{result.Output}");
        Assert.Contains("ok: a wrong key gets 401", result.Output);
        Assert.Contains("ok: the cookie does not contain the key", result.Output);
        Assert.Contains("ok: the dashboard lists grain type GatewayGroupGrain", result.Output);
        Assert.Contains("PASS:", result.Output);
        Assert.DoesNotContain(silo.AdminKey, result.Output);
        Assert.True(File.Exists(Path.Combine(screenshots, "dashboard-grains.png")));
        Assert.DoesNotContain(silo.AdminKey, silo.Process.Output);
    }
}
