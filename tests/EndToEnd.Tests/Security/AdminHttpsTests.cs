using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.Security;

/// <summary>
/// APISIX's https_admin with admin_api_mtls: the Admin API and the dashboard over HTTPS, and with admin_ssl_ca_cert only
/// for clients whose certificate that CA signed. A real silo process; HttpClient as the operator's tool.
/// </summary>
public class AdminHttpsTests
{
    private readonly TestPki _pki = new(RepoPaths.TempFolder("og-admin-pki"));

    private HttpClientHandler Handler(X509Certificate2? clientCertificate)
    {
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(_pki.CaPath));
        var handler = new HttpClientHandler
        {
            // Trust the test CA only, as an operator's tool configured with it would.
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
                certificate is not null && OrleansGateway.Configuration.Certificates.PeerCertificateValidator.ChainProblem(certificate, null, [ca]) is null,
        };
        if (clientCertificate is not null)
        {
            handler.ClientCertificates.Add(clientCertificate);
            handler.ClientCertificateOptions = ClientCertificateOption.Manual;
        }
        return handler;
    }

    private Dictionary<string, string> Env(bool mutual)
    {
        var server = _pki.Issue("admin-server", [], server: true);
        var env = new Dictionary<string, string>
        {
            ["deployment__role"] = "control_plane",
            ["deployment__admin__https_admin"] = "true",
            ["deployment__admin__admin_api_mtls__admin_ssl_cert"] = server.Cert,
            ["deployment__admin__admin_api_mtls__admin_ssl_cert_key"] = server.Key,
        };
        if (mutual)
        {
            env["deployment__admin__admin_api_mtls__admin_ssl_ca_cert"] = _pki.CaPath;
        }
        return env;
    }

    [Fact]
    public async Task The_admin_api_and_dashboard_answer_over_https_only()
    {
        await using var silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-admin-https"), extraEnv: Env(mutual: false), adminHandler: () => Handler(null));
        using var admin = silo.AdminClient();
        Assert.Equal("https", admin.BaseAddress!.Scheme);
        (await admin.GetAsync("/apisix/admin/routes")).EnsureSuccessStatusCode();
        (await admin.GetAsync("/dashboard/login")).EnsureSuccessStatusCode();
        Assert.Contains("Admin API on https://", silo.Process.Output);

        using var plain = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{silo.AdminPort}"), Timeout = TimeSpan.FromSeconds(10) };
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => plain.GetAsync("/readyz"));
    }

    [Fact]
    public async Task With_admin_ssl_ca_cert_only_clients_with_a_certificate_of_that_ca_get_in()
    {
        var operatorCert = _pki.Issue("operator", [], server: false);
        var client = X509Certificate2.CreateFromPemFile(operatorCert.Cert, operatorCert.Key);
        await using var silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-admin-mtls"), extraEnv: Env(mutual: true), adminHandler: () => Handler(client));
        using (var admin = silo.AdminClient())
        {
            (await admin.GetAsync("/apisix/admin/routes")).EnsureSuccessStatusCode();
        }

        using (var noCertificate = new HttpClient(Handler(null)) { BaseAddress = silo.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(10) })
        {
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => noCertificate.GetAsync("/readyz"));
        }

        var foreign = new TestPki(RepoPaths.TempFolder("og-admin-foreign"));
        var stranger = foreign.Issue("stranger", [], server: false);
        using (var otherCa = new HttpClient(Handler(X509Certificate2.CreateFromPemFile(stranger.Cert, stranger.Key))) { BaseAddress = silo.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(10) })
        {
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => otherCa.GetAsync("/readyz"));
        }
        await silo.Process.WaitUntilAsync(() => Task.FromResult(silo.Process.Output.Contains("Admin API: refused a client certificate, subject 'CN=stranger", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), "the refusal of the stranger's certificate in the log");
    }

    [Theory]
    [InlineData("deployment__admin__admin_api_mtls__admin_ssl_cert", "/nonexistent/admin.pem", "deployment.admin.admin_api_mtls.admin_ssl_cert = \"/nonexistent/admin.pem\": file not found")]
    [InlineData("deployment__admin__https_admin", "false", "deployment.admin.https_admin = \"false\": deployment.admin.admin_api_mtls is set but https_admin is not true")]
    public async Task A_bad_https_admin_setting_stops_the_silo_naming_the_key(string key, string value, string expected)
    {
        var env = Env(mutual: false);
        env[key] = value;
        var dir = RepoPaths.TempFolder("og-admin-bad");
        File.WriteAllText(Path.Combine(dir, "none.yaml"), "# empty\n");
        await using var process = HostProcess.Start(RepoPaths.SiloDll, dir, ["--config", Path.Combine(dir, "none.yaml")], env);
        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(expected, process.Output);
    }
}
