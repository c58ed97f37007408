using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.DataPlane;

/// <summary>
/// Mutual TLS to an upstream: an ssl of type client named by the upstream's <c>tls.client_cert_id</c>, written through
/// the Admin API of a real silo and presented by a real data plane to a real HTTPS upstream that names the certificate
/// it received.
/// </summary>
public class UpstreamTlsTests
{
    private static StringContent Json(JsonNode json) => new(json.ToJsonString(), Encoding.UTF8, "application/json");

    private static JsonObject ClientSsl((string Cert, string Key) files) => new()
    {
        ["type"] = "client", ["cert"] = File.ReadAllText(files.Cert), ["key"] = File.ReadAllText(files.Key),
    };

    private static async Task<(HttpStatusCode Status, JsonNode Body)> Send(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    [Fact]
    public async Task The_data_plane_presents_the_client_certificate_the_upstream_names_and_follows_its_changes()
    {
        var pki = TestPki.Shared;
        await using var echo = await EchoUpstream.StartAsync("tls-echo", tls: pki.Issue("tls-upstream", [], server: true));
        var silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-upstream-tls"));
        await using var _ = silo;
        using var admin = silo.AdminClient();

        Assert.Equal(HttpStatusCode.Created, (await Send(admin.PutAsync("/apisix/admin/ssls/client-a", Json(ClientSsl(pki.Issue("dp-client-a", [], server: false)))))).Status);
        var upstream = JsonNode.Parse($$$"""{"scheme":"https","nodes":{"{{{echo.Address}}}":1},"tls":{"client_cert_id":"client-a"}}""")!;
        Assert.Equal(HttpStatusCode.Created, (await Send(admin.PutAsync("/apisix/admin/upstreams/1", Json(upstream)))).Status);
        Assert.Equal(HttpStatusCode.Created, (await Send(admin.PutAsync("/apisix/admin/routes/mtls", Json(JsonNode.Parse("""{"uri":"/mtls","upstream_id":"1"}""")!)))).Status);

        // What may be named, and what holds it.
        var serverSsl = ClientSsl(pki.Issue("not-a-client", [], server: true));
        serverSsl.Remove("type");
        serverSsl["sni"] = "test.com";
        await Send(admin.PutAsync("/apisix/admin/ssls/server", Json(serverSsl)));
        var wrongType = await Send(admin.PutAsync("/apisix/admin/upstreams/2", Json(JsonNode.Parse($$$"""{"scheme":"https","nodes":{"{{{echo.Address}}}":1},"tls":{"client_cert_id":"server"}}""")!)));
        Assert.Equal((HttpStatusCode.BadRequest, "failed to fetch ssl info by ssl id [server], wrong ssl type"), (wrongType.Status, wrongType.Body["error_msg"]!.GetValue<string>()));
        var inUse = await Send(admin.DeleteAsync("/apisix/admin/ssls/client-a"));
        Assert.Equal("can not delete this ssl, upstream [1] is still using it now", inUse.Body["error_msg"]!.GetValue<string>());
        var listed = await Send(admin.GetAsync("/apisix/admin/ssls/client-a"));
        Assert.Null(listed.Body["value"]!["key"]); // the private key never comes back

        var env = new Dictionary<string, string>
        {
            ["deployment__role"] = "data_plane",
            ["deployment__orleans__gateways__0"] = $"127.0.0.1:{silo.GatewayPort}",
        };
        await using var dp = await DataPlaneProcess.StartAsync(RepoPaths.TempFolder("og-upstream-tls-dp"), env);
        await dp.Process.WaitUntilAsync(async () => (await dp.Proxy.GetAsync("/mtls")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "the route over TLS");
        var first = await Send(dp.Proxy.GetAsync("/mtls"));
        Assert.Contains("CN=dp-client-a", first.Body["client_cert"]!.GetValue<string>());

        // A new certificate in the same ssl reaches the data plane, which presents it on its next connections.
        await Send(admin.PutAsync("/apisix/admin/ssls/client-a", Json(ClientSsl(pki.Issue("dp-client-b", [], server: false)))));
        await dp.Process.WaitUntilAsync(async () =>
            (await Send(dp.Proxy.GetAsync("/mtls"))).Body["client_cert"]?.GetValue<string>()?.Contains("CN=dp-client-b", StringComparison.Ordinal) == true,
            TimeSpan.FromSeconds(15), "the new client certificate presented");

        // As APISIX, the upstream's own certificate is checked only when asked: this one's CA is not trusted here.
        upstream["tls"]!["verify"] = true;
        await Send(admin.PutAsync("/apisix/admin/upstreams/1", Json(upstream)));
        await dp.Process.WaitUntilAsync(async () => (await dp.Proxy.GetAsync("/mtls")).StatusCode == HttpStatusCode.BadGateway, TimeSpan.FromSeconds(15), "verification refusing the untrusted upstream");
    }
}
