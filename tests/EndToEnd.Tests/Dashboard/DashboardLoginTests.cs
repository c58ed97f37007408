using System.Net;
using System.Text.Json.Nodes;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.Dashboard;

/// <summary>One embedded silo with an admin and a viewer key; the dashboard's login over plain HTTP.</summary>
public sealed class DashboardSiloFixture : IAsyncLifetime
{
    public const string AdminKey = "dashboard-e2e-admin-key-0123456789";
    public const string ViewerKey = "dashboard-e2e-viewer-key-9876543210";

    public SiloProcess Silo { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-dash"), extraEnv: new Dictionary<string, string>
        {
            ["deployment__admin__admin_key__0__key"] = AdminKey,
            ["deployment__admin__admin_key__1__name"] = "readonly",
            ["deployment__admin__admin_key__1__key"] = ViewerKey,
            ["deployment__admin__admin_key__1__role"] = "viewer",
        });
    }

    public async Task DisposeAsync() => await Silo.DisposeAsync();
}

public class DashboardLoginTests(DashboardSiloFixture fixture) : IClassFixture<DashboardSiloFixture>
{
    private DashboardRequests Requests() => new(fixture.Silo.AdminPort);

    [Theory]
    [InlineData("/dashboard")]
    [InlineData("/dashboard/")]
    [InlineData("/dashboard/index.html")]
    public async Task Without_a_login_a_page_redirects_to_the_login_page(string path)
    {
        using var requests = Requests();
        var response = await requests.GetAsync(path, accept: "text/html,application/xhtml+xml,*/*;q=0.8");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/dashboard/login", response.Headers.Location!.OriginalString);
        var login = await requests.GetAsync("/dashboard/login", accept: "text/html");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("name=\"key\"", await login.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/dashboard/DashboardCounters")]
    [InlineData("/dashboard/ClusterStats")]
    [InlineData("/dashboard/GrainTypes")]
    [InlineData("/dashboard/Trace")]
    [InlineData("/dashboard/index.min.js")]
    [InlineData("/DASHBOARD/ClusterStats")]
    public async Task Without_a_login_the_dashboard_api_answers_401(string path)
    {
        using var requests = Requests();
        var response = await requests.GetAsync(path);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("error_msg", await response.Content.ReadAsStringAsync());
        var wrongCookie = await requests.GetAsync(path, session: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        Assert.Equal(HttpStatusCode.Unauthorized, wrongCookie.StatusCode);
        var wrongKey = await requests.GetAsync(path, apiKey: "not-a-key-0123456789");
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
    }

    [Fact]
    public async Task A_wrong_key_gets_401_and_the_login_page_with_an_error_and_no_cookie()
    {
        using var requests = Requests();
        var (response, setCookie) = await requests.LogInAsync("wrong-key-0123456789abcdef");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(setCookie);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("That key is not valid.", page);
        Assert.Contains("name=\"key\"", page);
        var (empty, emptyCookie) = await requests.LogInAsync("");
        Assert.Equal(HttpStatusCode.Unauthorized, empty.StatusCode);
        Assert.Null(emptyCookie);
    }

    [Theory]
    [InlineData(DashboardSiloFixture.AdminKey)]
    [InlineData(DashboardSiloFixture.ViewerKey)]
    public async Task The_key_logs_in_with_a_cookie_that_does_not_contain_it(string key)
    {
        using var requests = Requests();
        var (response, setCookie) = await requests.LogInAsync(key);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/dashboard/", response.Headers.Location!.OriginalString);
        Assert.NotNull(setCookie);
        var attributes = setCookie.ToLowerInvariant();
        Assert.Contains("httponly", attributes);
        Assert.Contains("samesite=strict", attributes);
        Assert.Contains("path=/dashboard", attributes);
        // The same login for the console, and for nothing else on this host (a gateway port would pass it upstream).
        var all = response.Headers.GetValues("Set-Cookie").Where(c => c.StartsWith(requests.CookieName + "=", StringComparison.Ordinal)).ToList();
        Assert.Equal(["path=/console", "path=/dashboard"], all.Select(c => c.ToLowerInvariant().Split("; ").Single(a => a.StartsWith("path=", StringComparison.Ordinal))).Order().ToArray());
        var session = DashboardRequests.CookieValue(setCookie);
        Assert.True(session.Length >= 40, "the token carries 256 random bits");
        Assert.DoesNotContain(key, setCookie);
        Assert.DoesNotContain(key[..12], session);
        Assert.DoesNotContain(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(key))[..12], session);

        var page = await requests.GetAsync("/dashboard/", session, accept: "text/html");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Orleans Dashboard", await page.Content.ReadAsStringAsync());
        // The dashboard collects silo statistics on a timer: right after start its host list can still be empty.
        JsonArray hosts = [];
        for (var deadline = DateTime.UtcNow.AddSeconds(30); hosts.Count == 0 && DateTime.UtcNow < deadline; await Task.Delay(250))
        {
            var counters = JsonNode.Parse(await (await requests.GetAsync("/dashboard/DashboardCounters", session)).Content.ReadAsStringAsync())!;
            hosts = counters["hosts"]!.AsArray();
        }
        Assert.Contains(hosts, h => h!["siloAddress"]!.GetValue<string>().Contains($":{fixture.Silo.SiloPort}@", StringComparison.Ordinal));

        Assert.DoesNotContain(key, fixture.Silo.Process.Output);
        Assert.DoesNotContain(session, fixture.Silo.Process.Output);
    }

    [Fact]
    public async Task The_X_API_KEY_header_opens_the_dashboard_api_too()
    {
        using var requests = Requests();
        var response = await requests.GetAsync("/dashboard/ClusterStats", apiKey: DashboardSiloFixture.ViewerKey);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Logout_ends_the_session_for_good()
    {
        using var requests = Requests();
        var session = await requests.SessionAsync(DashboardSiloFixture.AdminKey);
        Assert.Equal(HttpStatusCode.OK, (await requests.GetAsync("/dashboard/ClusterStats", session)).StatusCode);

        var logout = await requests.SendAsync(HttpMethod.Post, "/dashboard/logout", session, accept: "text/html");
        Assert.Equal(HttpStatusCode.SeeOther, logout.StatusCode);
        Assert.Contains(logout.Headers.GetValues("Set-Cookie"), c => c.StartsWith(requests.CookieName + "=;", StringComparison.Ordinal));

        // The old cookie value, replayed, no longer works.
        Assert.Equal(HttpStatusCode.Unauthorized, (await requests.GetAsync("/dashboard/ClusterStats", session)).StatusCode);
        var page = await requests.GetAsync("/dashboard/", session, accept: "text/html");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        // Other sessions are not affected by someone else's logout.
        var other = await requests.SessionAsync(DashboardSiloFixture.ViewerKey);
        Assert.Equal(HttpStatusCode.OK, (await requests.GetAsync("/dashboard/ClusterStats", other)).StatusCode);
    }

    [Fact]
    public async Task The_dashboard_is_not_served_on_the_proxy_port()
    {
        using var proxy = new DashboardRequests(fixture.Silo.ProxyPort);
        var response = await proxy.GetAsync("/dashboard/ClusterStats", apiKey: DashboardSiloFixture.AdminKey);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
