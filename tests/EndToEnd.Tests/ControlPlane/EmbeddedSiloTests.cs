using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.ControlPlane;

/// <summary>The embedded control plane as a user runs it: a real silo process, HTTP on loopback, a SQLite file.</summary>
public class EmbeddedSiloTests
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Readme_examples_work_and_the_key_is_required()
    {
        var dir = RepoPaths.TempFolder("og-e2e");
        await using var silo = await SiloProcess.StartAsync(dir);
        Assert.Equal(48, silo.AdminKey.Length);
        Assert.DoesNotContain(silo.AdminKey, silo.Process.Output);

        var noKey = await silo.Http.GetAsync("/apisix/admin/routes");
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Contains("error_msg", await noKey.Content.ReadAsStringAsync());
        var wrongKey = new HttpRequestMessage(HttpMethod.Get, "/apisix/admin/routes") { Headers = { { "X-API-KEY", "0123456789abcdef0123" } } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await silo.Http.SendAsync(wrongKey)).StatusCode);

        using var admin = silo.AdminClient();
        var upstream = await admin.PutAsync("/apisix/admin/upstreams/1", Json("""{"type":"roundrobin","nodes":{"127.0.0.1:1980":1}}"""));
        Assert.Equal(HttpStatusCode.Created, upstream.StatusCode);
        var route = await admin.PutAsync("/apisix/admin/routes/1", Json("""{"uri":"/ip","methods":["GET"],"upstream_id":"1"}"""));
        Assert.Equal(HttpStatusCode.Created, route.StatusCode);

        var read = JsonNode.Parse(await admin.GetStringAsync("/apisix/admin/routes/1"))!;
        Assert.Equal("/apisix/routes/1", read["key"]!.GetValue<string>());
        Assert.Equal("/ip", read["value"]!["uri"]!.GetValue<string>());
        Assert.Equal(2, read["modifiedIndex"]!.GetValue<long>());
        var list = JsonNode.Parse(await admin.GetStringAsync("/apisix/admin/upstreams"))!;
        Assert.Equal(1, list["total"]!.GetValue<int>());

        var broken = await admin.PutAsync("/apisix/admin/routes/1", Json("""{"uri":123}"""));
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Equal("invalid configuration: property \"uri\" validation failed: wrong type: expected string, got number",
            JsonNode.Parse(await broken.Content.ReadAsStringAsync())!["error_msg"]!.GetValue<string>());
        var malformed = await admin.PutAsync("/apisix/admin/routes/1", Json("""{"uri":"/x","""));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        var unchanged = JsonNode.Parse(await admin.GetStringAsync("/apisix/admin/routes/1"))!;
        Assert.Equal("/ip", unchanged["value"]!["uri"]!.GetValue<string>());
        Assert.Equal(2, unchanged["modifiedIndex"]!.GetValue<long>());

        var delete = await admin.DeleteAsync("/apisix/admin/upstreams/1");
        Assert.Equal(HttpStatusCode.BadRequest, delete.StatusCode);

        var openApi = await silo.Http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
        Assert.Contains("/apisix/admin/{kind}/{id}", await openApi.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_default_traditional_role_proxies_the_readme_route_in_the_same_process()
    {
        await using var echo = await EchoUpstream.StartAsync();
        await using var silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-trad"));
        using var admin = silo.AdminClient();
        using var proxy = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{silo.ProxyPort}") };
        await admin.PutAsync("/apisix/admin/upstreams/1", Json($$$"""{"type":"roundrobin","nodes":{"{{{echo.Address}}}":1}}"""));
        await admin.PutAsync("/apisix/admin/routes/1", Json("""{"uri":"/ip","upstream_id":"1"}"""));
        await silo.Process.WaitUntilAsync(async () => (await proxy.GetAsync("/ip")).IsSuccessStatusCode, TimeSpan.FromSeconds(15), "GET /ip through the silo's proxy");
        Assert.Equal("127.0.0.1", JsonNode.Parse(await proxy.GetStringAsync("/ip"))!["origin"]!.GetValue<string>());

        // The proxy port serves only the proxy, the admin port only the Admin API.
        Assert.Equal(HttpStatusCode.NotFound, (await proxy.GetAsync("/apisix/admin/routes")).StatusCode);
        var nothing = await proxy.GetAsync("/nothing");
        Assert.Equal(HttpStatusCode.NotFound, nothing.StatusCode);
        Assert.Equal("""{"error_msg":"404 Route Not Found"}""", await nothing.Content.ReadAsStringAsync());
        using var status = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{silo.StatusPort}") };
        var dp = JsonNode.Parse(await status.GetStringAsync("/status"))!;
        Assert.Equal("control_plane", dp["mode"]!.GetValue<string>());
        Assert.Equal("ok", await silo.Http.GetStringAsync("/healthz"));
    }

    [Fact]
    public async Task Oversized_body_is_refused_with_400_and_changes_nothing()
    {
        var dir = RepoPaths.TempFolder("og-e2e");
        await using var silo = await SiloProcess.StartAsync(dir, extraEnv: new Dictionary<string, string> { ["deployment__admin__max_body_bytes"] = "2048" });
        using var admin = silo.AdminClient();
        var big = $$"""{"nodes":{"127.0.0.1:1":1},"desc":"{{new string('x', 5000)}}"}""";
        var response = await admin.PutAsync("/apisix/admin/upstreams/1", Json(big));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("exceeds the limit of 2048 bytes", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/apisix/admin/upstreams/1")).StatusCode);
    }

    [Fact]
    public async Task Kill_9_and_restart_keep_every_acknowledged_write()
    {
        var dir = RepoPaths.TempFolder("og-e2e");
        var silo = await SiloProcess.StartAsync(dir);
        var ports = (silo.AdminPort, silo.SiloPort, silo.GatewayPort);
        using var admin = silo.AdminClient();
        Assert.Equal(HttpStatusCode.Created, (await admin.PutAsync("/apisix/admin/upstreams/u", Json("""{"nodes":{"127.0.0.1:1980":1}}"""))).StatusCode);

        // Four writers PUT routes as fast as they can; the silo is killed -9 while they run.
        var acknowledged = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 2000 && !stop.IsCancellationRequested; i++)
            {
                var id = $"w{w}-{i}";
                try
                {
                    var response = await admin.PutAsync($"/apisix/admin/routes/{id}", Json($$"""{"uri":"/{{id}}","upstream_id":"u"}"""), stop.Token);
                    if (response.IsSuccessStatusCode)
                    {
                        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(stop.Token))!;
                        acknowledged[id] = body["modifiedIndex"]!.GetValue<long>();
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    return;
                }
            }
        })).ToArray();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (acknowledged.Count < 150 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        silo.Process.Kill();
        await Task.WhenAll(writers);
        await silo.DisposeAsync();
        Assert.True(acknowledged.Count >= 150, $"only {acknowledged.Count} writes were acknowledged before the kill");

        await using var restarted = await SiloProcess.StartAsync(dir, ports);
        using var admin2 = restarted.AdminClient();
        var lost = new List<string>();
        foreach (var (id, index) in acknowledged)
        {
            var response = await admin2.GetAsync($"/apisix/admin/routes/{id}");
            if (!response.IsSuccessStatusCode)
            {
                lost.Add(id);
                continue;
            }
            var value = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal(index, value["modifiedIndex"]!.GetValue<long>());
        }
        Assert.Empty(lost);

        // Versions continue strictly after the highest acknowledged one.
        var next = JsonNode.Parse(await (await admin2.PutAsync("/apisix/admin/routes/after", Json("""{"uri":"/after","upstream_id":"u"}"""))).Content.ReadAsStringAsync())!;
        Assert.True(next["modifiedIndex"]!.GetValue<long>() > acknowledged.Values.Max());
        Assert.Equal(restarted.AdminKey, File.ReadAllText(Path.Combine(dir, "admin_key")).Trim());
    }

    [Theory]
    [InlineData("deployment:\n  role: sideways\n", "deployment.role = \"sideways\": expected one of traditional, control_plane, data_plane")]
    [InlineData("deployment:\n  role: data_plane\n", "deployment.role = \"data_plane\": this is the control-plane host")]
    [InlineData("deployment:\n  orleans:\n    silo_port: 0\n", "deployment.orleans.silo_port = \"0\": expected an integer from 1 to 65535")]
    [InlineData("deployment:\n  orleans:\n    advertised_ip: 192.0.2.10\n", "deployment.certs = \"\": this silo advertises 192.0.2.10 (deployment.orleans.advertised_ip), not a loopback address, so its Orleans connections need mutual TLS")]
    [InlineData("deployment:\n  certs:\n    cert: /nonexistent/silo.pem\n    cert_key: /nonexistent/silo.key\n    trusted_ca_cert: /nonexistent/ca.pem\n", "deployment.certs.trusted_ca_cert = \"/nonexistent/ca.pem\": file not found")]
    public async Task A_bad_config_value_stops_the_silo_naming_key_and_value(string yaml, string expected)
    {
        var dir = RepoPaths.TempFolder("og-e2e");
        var config = Path.Combine(dir, "bad.yaml");
        File.WriteAllText(config, yaml);
        await using var process = HostProcess.Start(RepoPaths.SiloDll, dir, ["--config", config]);
        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(expected, process.Output);
        Assert.False(File.Exists(Path.Combine(dir, "orleans-gateway.db")));
    }
}
