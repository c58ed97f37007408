using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.Deployment;

/// <summary>
/// The silo as the Docker image runs it: published (`dotnet publish`, as docker/silo.Dockerfile does) and started from
/// another working directory (the image's /var/lib/orleans-gateway): the console's page and its framework script are
/// served from the published assets.
/// </summary>
public class PublishedSiloTests
{
    [Fact]
    public async Task A_published_silo_serves_the_console_from_any_working_directory()
    {
        var output = RepoPaths.TempFolder("og-publish");
        var publish = await ExternalCommand.RunAsync("dotnet",
            ["publish", Path.Combine(RepoPaths.Root, "src", "Silo", "Silo.csproj"), "-c", "Release", "-p:UseAppHost=false", "-o", output, "-nologo", "-v", "quiet"],
            new Dictionary<string, string?> { ["DOTNET_NOLOGO"] = "1" }, TimeSpan.FromMinutes(5));
        Assert.True(publish.ExitCode == 0, $"dotnet publish failed:\n{publish.Output}{publish.Error}");

        var workDir = RepoPaths.TempFolder("og-publish-run");
        File.WriteAllText(Path.Combine(workDir, "none.yaml"), "# empty\n");
        var admin = FreePorts.Next();
        await using var silo = HostProcess.Start(Path.Combine(output, "OrleansGateway.Silo.dll"), workDir, ["--config", Path.Combine(workDir, "none.yaml")], new Dictionary<string, string>
        {
            ["deployment__data_dir"] = workDir,
            ["deployment__role"] = "control_plane",
            ["deployment__admin__admin_listen__port"] = admin.ToString(),
            ["deployment__orleans__silo_port"] = FreePorts.Next().ToString(),
            ["deployment__orleans__gateway_port"] = FreePorts.Next().ToString(),
        });
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{admin}"), Timeout = TimeSpan.FromSeconds(30) };
        await silo.WaitUntilAsync(async () => (await http.GetAsync("/readyz")).IsSuccessStatusCode, TimeSpan.FromSeconds(90), "the published silo ready");

        var script = await http.GetAsync("/console/_framework/blazor.web.js");
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.True((await script.Content.ReadAsByteArrayAsync()).Length > 10_000, "the framework script is served whole");
        using var page = new HttpRequestMessage(HttpMethod.Get, "/console/");
        page.Headers.Accept.ParseAdd("text/html");
        Assert.Equal("/dashboard/login?next=%2Fconsole%2F", (await http.SendAsync(page)).Headers.Location?.OriginalString);
    }
}
