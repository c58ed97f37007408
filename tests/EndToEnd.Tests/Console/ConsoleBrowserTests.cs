using System.Net;
using System.Text.Json.Nodes;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.Console;

/// <summary>
/// An operator's console in a real browser (tests/browser/console.mjs in headless Chromium) against a real silo
/// snapshotting to s3rver, a real data plane following it and a real upstream: forms, a validation error beside its
/// field, the data plane taking the new version, the diff, a rollback the data plane then serves, live updates, and a
/// viewer whose every write control is disabled and whose forced write the server refuses. Screenshots of every page go
/// to TestResults/console.
/// </summary>
public sealed class ConsoleBrowserTests : IAsyncLifetime
{
    private const string AdminKey = "console-admin-key-0123456789";
    private const string ViewerKey = "console-viewer-key-0123456789";

    private S3rverProcess _s3 = null!;
    private EchoUpstream _echo = null!;
    private SiloProcess _silo = null!;
    private DataPlaneProcess _dp = null!;

    public async Task InitializeAsync()
    {
        _s3 = await S3rverProcess.StartAsync("console-resources", "console-config");
        _echo = await EchoUpstream.StartAsync();
        var env = _s3.SiloEnvironment("console-resources", "console-config", "@every 1h");
        var siloEnv = new Dictionary<string, string>(env)
        {
            ["deployment__role"] = "control_plane",
            ["deployment__admin__admin_key__0__name"] = "ops",
            ["deployment__admin__admin_key__0__key"] = AdminKey,
            ["deployment__admin__admin_key__1__name"] = "auditor",
            ["deployment__admin__admin_key__1__key"] = ViewerKey,
            ["deployment__admin__admin_key__1__role"] = "viewer",
        };
        _silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-console"), extraEnv: siloEnv);
        _dp = await DataPlaneProcess.StartAsync(RepoPaths.TempFolder("og-console-dp"), DataPlaneEnvironment.Following(_silo, env));
        await _dp.Process.WaitUntilAsync(async () => JsonNode.Parse(await _dp.Status.GetStringAsync("/status"))!["mode"]!.ToString() == "control_plane",
            TimeSpan.FromSeconds(30), "the data plane following the silo");
    }

    public async Task DisposeAsync()
    {
        await _dp.DisposeAsync();
        await _silo.DisposeAsync();
        await _echo.DisposeAsync();
        await _s3.DisposeAsync();
    }

    [Fact]
    public async Task An_operator_builds_watches_compares_and_rolls_back_and_a_viewer_cannot_write()
    {
        using var admin = _silo.AdminClient();
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=console.test", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var ssl = new JsonObject { ["cert"] = certificate.ExportCertificatePem(), ["key"] = key.ExportPkcs8PrivateKeyPem(), ["snis"] = new JsonArray("console.test") };
        var put = await admin.PutAsync("/apisix/admin/ssls/console-ssl", new StringContent(ssl.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        var screenshots = Path.Combine(RepoPaths.Root, "TestResults", "console");
        Directory.CreateDirectory(screenshots);
        var result = await NodeScript.RunAsync("console.mjs", new Dictionary<string, string>
        {
            ["CONSOLE_URL"] = $"http://127.0.0.1:{_silo.AdminPort}",
            ["ADMIN_KEY"] = AdminKey,
            ["VIEWER_KEY"] = ViewerKey,
            ["UPSTREAM_NODE"] = _echo.Address,
            ["SCREENSHOT_DIR"] = screenshots,
        }, TimeSpan.FromSeconds(180));

        Assert.False(result.TimedOut, $"the browser script did not finish within 180 s:\n{result.Output}");
        Assert.True(result.ExitCode == 0, $"the browser script exited with {result.ExitCode}:\n{result.Output}");
        Assert.Contains("PASS:", result.Output);
        Assert.DoesNotContain(AdminKey, result.Output);
        Assert.DoesNotContain(ViewerKey, result.Output);
        foreach (var page in new[] { "groups", "route-error", "overview", "diff", "audit", "snapshots", "ssl", "viewer-routes" })
        {
            Assert.True(File.Exists(Path.Combine(screenshots, $"console-{page}.png")), $"no screenshot of {page}");
        }

        // What the browser did, seen from outside it: the data plane serves the rolled-back state, and the audit log
        // names the admin key for every write and the viewer for none.
        var rollbackVersion = long.Parse(result.Output.Split('\n').Single(l => l.StartsWith("rollback-version: ", StringComparison.Ordinal))["rollback-version: ".Length..].Trim());
        await _dp.Process.WaitUntilAsync(async () => (await _dp.Proxy.GetAsync("/elsewhere")).IsSuccessStatusCode, TimeSpan.FromSeconds(15), "the data plane serving the route made elsewhere");
        Assert.Equal(HttpStatusCode.NotFound, (await _dp.Proxy.GetAsync("/console-demo")).StatusCode);
        var log = JsonNode.Parse(await admin.GetStringAsync("/api/gateway_groups/default/changes?page_size=500"))!["list"]!.AsArray();
        Assert.Contains(log, e => e!["version"]!.GetValue<long>() == rollbackVersion && e["operation"]!.ToString() == "rollback" && e["key_name"]!.ToString() == "ops");
        Assert.Contains(log, e => e!["operation"]!.ToString() == "create" && e["kind"]!.ToString() == "upstreams" && e["key_name"]!.ToString() == "ops" && e["client"]!.ToString() == "127.0.0.1");
        Assert.DoesNotContain(log, e => e!["key_name"]!.ToString() == "auditor");
        var sslWrite = log.First(e => e!["kind"]?.ToString() == "ssls")!;
        Assert.Equal(("update", "ops"), (sslWrite["operation"]!.ToString(), sslWrite["key_name"]!.ToString()));
        Assert.DoesNotContain(AdminKey, _silo.Process.Output);
    }
}
