using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Security;
using OrleansGateway.Contracts.Feed;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.Security;

/// <summary>
/// The Orleans ports under mutual TLS, tried as someone who can reach them would: a plain Orleans client, a client
/// with a certificate of another CA, a data plane's certificate used to write or to read another group, a data
/// plane's certificate on the silo port. Each is refused and the silo's log says whom and why. One real silo process
/// (embedded, loopback, with certificates) and in-test Orleans clients.
/// </summary>
public sealed class OrleansTrustTests : IAsyncLifetime
{
    private readonly TestPki _pki = new(RepoPaths.TempFolder("og-trust-pki"));
    private SiloProcess _silo = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-trust-silo"), extraEnv: new Dictionary<string, string>
        {
            ["deployment__role"] = "control_plane",
        }.SetAll(_pki.SiloEnv()));
        _admin = _silo.AdminClient();
        (await _admin.PostAsync("/api/gateway_groups", Json("""{"id":"b","name":"b"}"""))).EnsureSuccessStatusCode();
        (await _admin.PutAsync("/apisix/admin/upstreams/b1?gateway_group_id=b", Json("""{"nodes":{"127.0.0.1:1":1}}"""))).EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _silo.DisposeAsync();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>A data plane's certificate of <paramref name="other"/>, trusting our silos' CA as well as its own.</summary>
    private Dictionary<string, string> CertificatesOf(TestPki other, string name)
    {
        var certs = other.DataPlaneEnv(name, "default");
        var bundle = Path.Combine(other.Folder, "both.pem");
        File.WriteAllText(bundle, File.ReadAllText(_pki.CaPath) + File.ReadAllText(other.CaPath));
        certs["deployment__certs__trusted_ca_cert"] = bundle;
        return certs;
    }

    private Task WaitForLogAsync(string text, Exception? clientSaw = null) =>
        _silo.Process.WaitUntilAsync(() => Task.FromResult(_silo.Process.Output.Contains(text, StringComparison.Ordinal)), TimeSpan.FromSeconds(15),
            $"the silo log says '{text}'" + (clientSaw is null ? "" : $" (the client saw: {clientSaw.GetType().Name}: {clientSaw.Message})"));

    private Task<TestOrleansClient> DataPlaneClientAsync(string group, params string[] certGroups) =>
        TestOrleansClient.ConnectAsync(_silo.GatewayPort, _pki.DataPlaneEnv($"dp-{string.Join('-', certGroups)}", certGroups), DataPlaneClientId.NewKey(group));

    [Fact]
    public async Task A_plain_orleans_client_cannot_connect_and_the_silo_says_why()
    {
        await Assert.ThrowsAnyAsync<Exception>(() => TestOrleansClient.ConnectAsync(_silo.GatewayPort));
        await WaitForLogAsync("on the gateway port: no client certificate, or not TLS at all");
    }

    [Fact]
    public async Task A_client_whose_certificate_another_ca_signed_is_refused_and_named()
    {
        var foreign = new TestPki(RepoPaths.TempFolder("og-trust-foreign"));
        var certs = CertificatesOf(foreign, "intruder"); // it trusts our silos; they must not trust it
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => TestOrleansClient.ConnectAsync(_silo.GatewayPort, certs, DataPlaneClientId.NewKey("default")));
        await WaitForLogAsync("refused the TLS peer on the gateway port: subject 'CN=intruder, O=OrleansGateway tests'", refused);
        await WaitForLogAsync("not signed by a CA in deployment.certs.trusted_ca_cert");
    }

    [Fact]
    public async Task A_data_plane_certificate_reads_its_group_but_cannot_write_it()
    {
        await using var dp = await DataPlaneClientAsync("default", "default");
        var group = dp.Client.GetGrain<IGatewayGroupGrain>("default");
        Assert.NotNull(await group.Export());
        Assert.Equal("orleans-gateway", (await dp.Client.GetGrain<IClusterIdentityGrain>(0).Get()).ClusterId);

        var write = await Assert.ThrowsAnyAsync<Exception>(() => group.Put(ResourceKind.Upstream, "u1", """{"nodes":{"127.0.0.1:1":1}}"""));
        Assert.Contains("refused by the control plane", write.Message);
        Assert.Contains("not open to data planes", write.Message);
        await Assert.ThrowsAnyAsync<Exception>(() => group.ReplaceAll("""{"routes":[]}"""));
        await Assert.ThrowsAnyAsync<Exception>(() => group.PutConfig("{}"));
        await Assert.ThrowsAnyAsync<Exception>(() => dp.Client.GetGrain<IManagementGrain>(0).GetHosts());
        await Assert.ThrowsAnyAsync<Exception>(() => dp.Client.GetGrain<IDataPlaneRegistryGrain>("default").List());
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await _admin.GetAsync("/apisix/admin/upstreams/u1")).StatusCode);
        await WaitForLogAsync("Refused a call from sys.client/dp~default~");
    }

    [Fact]
    public async Task A_data_plane_of_group_a_can_neither_read_nor_follow_group_b()
    {
        await using var dp = await DataPlaneClientAsync("a", "a");
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => dp.Client.GetGrain<IGatewayGroupGrain>("b").Export());
        Assert.Contains("this data plane serves group 'a'", refused.Message);
        await Assert.ThrowsAnyAsync<Exception>(() => dp.Client.GetGrain<IGatewayGroupGrain>("b").GetChangesSince(0));
        var receiver = new NullFollower();
        var reference = dp.Client.CreateObjectReference<IGroupFollower>(receiver);
        var beat = new DataPlaneHeartbeat("x", "h", 0, "control_plane", DateTimeOffset.UtcNow);
        await Assert.ThrowsAnyAsync<Exception>(() => dp.Client.GetGrain<IGroupFeedGrain>("b").Heartbeat(reference, beat));
        await Assert.ThrowsAnyAsync<Exception>(() => dp.Client.GetGrain<IDataPlaneRegistryGrain>("a").Report(new FollowerReport("s", 0, true, [beat], [])));

        // Its own group it may read and follow, with a receiver of its own only.
        Assert.NotNull(await dp.Client.GetGrain<IGatewayGroupGrain>("a").GetChangesSince(0));
        await dp.Client.GetGrain<IGroupFeedGrain>("a").Heartbeat(reference, beat);
        await using var other = await DataPlaneClientAsync("a", "a");
        var foreign = other.Client.CreateObjectReference<IGroupFollower>(receiver);
        var redirected = await Assert.ThrowsAnyAsync<Exception>(() => dp.Client.GetGrain<IGroupFeedGrain>("a").Heartbeat(foreign, beat));
        Assert.Contains("is not an observer of the caller", redirected.Message);
        GC.KeepAlive(receiver);
    }

    [Fact]
    public async Task A_client_id_naming_another_group_than_the_certificate_is_refused_at_the_gateway()
    {
        await Assert.ThrowsAnyAsync<Exception>(() => DataPlaneClientAsync("b", "a"));
        await WaitForLogAsync("refused a data plane on the gateway port: subject 'CN=dp-a, O=OrleansGateway tests' is a data plane of a, but its client id names group 'b'");
        // Orleans' own random client id names no group at all.
        await Assert.ThrowsAnyAsync<Exception>(() => TestOrleansClient.ConnectAsync(_silo.GatewayPort, _pki.DataPlaneEnv("dp-random", "default")));
        await WaitForLogAsync("names no gateway group");
    }

    [Fact]
    public async Task The_silo_port_refuses_a_data_plane_certificate()
    {
        var files = _pki.Issue("dp-on-silo-port", ["og-group:default"], server: false);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", _silo.SiloPort);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "silo",
                ClientCertificates = [X509Certificate2.CreateFromPemFile(files.Cert, files.Key)],
            });
            // TLS 1.3 reports the server's refusal of a client certificate on the first read.
            var buffer = new byte[1];
            if (await tls.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10)) == 0)
            {
                throw new IOException("closed by the silo");
            }
        });
        await WaitForLogAsync("refused the TLS peer on the silo port: subject 'CN=dp-on-silo-port, O=OrleansGateway tests'");
        await WaitForLogAsync("a silo certificate is needed here (SAN URI og-role:silo)");
    }

    [Fact]
    public async Task Certificates_and_trusted_cas_rotate_without_a_restart()
    {
        // A data plane issued by a new CA is refused until the silo's trusted_ca_cert file lists that CA too.
        var next = new TestPki(RepoPaths.TempFolder("og-trust-next-ca"));
        var certs = CertificatesOf(next, "dp-next-ca");
        await Assert.ThrowsAnyAsync<Exception>(() => TestOrleansClient.ConnectAsync(_silo.GatewayPort, certs, DataPlaneClientId.NewKey("default")));

        File.WriteAllText(_pki.CaPath, File.ReadAllText(certs["deployment__certs__trusted_ca_cert"]));
        TestOrleansClient? connected = null;
        await _silo.Process.WaitUntilAsync(async () =>
        {
            try
            {
                connected = await TestOrleansClient.ConnectAsync(_silo.GatewayPort, certs, DataPlaneClientId.NewKey("default"));
                return true;
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(20), "a data plane of the new CA connects");
        await using (connected)
        {
            Assert.NotNull(await connected!.Client.GetGrain<IGatewayGroupGrain>("default").Export());
        }
        await WaitForLogAsync("TLS certificates reloaded");

        // The silo's own certificate: re-issued in place, served to new connections, no restart.
        var before = JsonNode.Parse(await _admin.GetStringAsync("/api/status"))!["certificate"]!["serial"]!.GetValue<string>();
        _pki.Issue("silo", ["og-role:silo"], server: true);
        string? after = null;
        await _silo.Process.WaitUntilAsync(async () =>
        {
            after = JsonNode.Parse(await _admin.GetStringAsync("/api/status"))!["certificate"]!["serial"]!.GetValue<string>();
            return after != before;
        }, TimeSpan.FromSeconds(20), "the silo serves its re-issued certificate");
        await using var again = await DataPlaneClientAsync("default", "default");
        Assert.NotNull(await again.Client.GetGrain<IGatewayGroupGrain>("default").Export());
    }

    [Fact]
    public async Task A_data_plane_process_with_its_certificate_follows_and_one_without_says_why_it_cannot()
    {
        await using var echo = await EchoUpstream.StartAsync();
        (await _admin.PutAsync("/apisix/admin/routes/1", Json($$$$"""{"uri":"/ip","upstream":{"nodes":{"{{{{echo.Address}}}}":1}}}"""))).EnsureSuccessStatusCode();
        var env = new Dictionary<string, string>
        {
            ["deployment__role"] = "data_plane",
            ["deployment__orleans__gateways__0"] = $"127.0.0.1:{_silo.GatewayPort}",
            ["fallback_cp__folder"] = RepoPaths.TempFolder("og-trust-empty-store"),
        };
        await using var withCertificate = await DataPlaneProcess.StartAsync(RepoPaths.TempFolder("og-trust-dp"), new Dictionary<string, string>(env).SetAll(_pki.DataPlaneEnv("dp-process", "default")));
        await withCertificate.Process.WaitUntilAsync(async () => (await withCertificate.Proxy.GetAsync("/ip")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "GET /ip through the data plane");
        var status = JsonNode.Parse(await withCertificate.Status.GetStringAsync("/status"))!;
        Assert.Equal("control_plane", status["mode"]!.GetValue<string>());
        Assert.Equal("mtls", status["orleans_transport"]!.GetValue<string>());

        await using var without = await DataPlaneProcess.StartAsync(RepoPaths.TempFolder("og-trust-dp-plain"), env);
        await without.Process.WaitUntilAsync(async () =>
            JsonNode.Parse(await without.Status.GetStringAsync("/status"))!["control_plane_error"]?.GetValue<string>()?.Contains("the silos require mutual TLS and this data plane has no deployment.certs", StringComparison.Ordinal) == true,
            TimeSpan.FromSeconds(30), "control_plane_error names the missing certificate");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await without.Proxy.GetAsync("/ip")).StatusCode);
    }

    [Fact]
    public async Task The_status_says_mutual_tls_and_names_the_certificate_without_key_material()
    {
        var status = JsonNode.Parse(await _admin.GetStringAsync("/api/status"))!;
        Assert.Equal("mtls", status["orleans_transport"]!.GetValue<string>());
        Assert.Equal("CN=silo, O=OrleansGateway tests", status["certificate"]!["subject"]!.GetValue<string>());
        Assert.Empty(status["warnings"]!.AsArray());
        Assert.DoesNotContain("PRIVATE", status.ToJsonString());
    }

    private sealed class NullFollower : IGroupFollower
    {
        public Task OnChanged(GroupChanged change) => Task.CompletedTask;
    }
}
