using OrleansGateway.Configuration.Certificates;
using OrleansGateway.TestSupport;

namespace OrleansGateway.Configuration.Tests.Certificates;

/// <summary>Secure by default: Orleans ports other hosts can reach need deployment.certs, checked at load.</summary>
public class OrleansTransportTests
{
    private static readonly TestPki Pki = new(RepoPaths.TempFolder("og-pki-unit"));

    private static Dictionary<string, string?> Certs(Dictionary<string, string> env) =>
        env.ToDictionary(e => e.Key.Replace("__", ":", StringComparison.Ordinal), e => (string?)e.Value);

    private static GatewayConfig Load(string yaml, Dictionary<string, string>? certs = null) =>
        GatewayConfigLoaderTests.Load(yaml, certs is null ? null : Certs(certs));

    private const string PostgresSilo = """
        deployment:
          role: control_plane
          orleans:
            postgresql: {connection_string: "Host=127.0.0.1"}
        """;

    [Fact]
    public void The_embedded_default_needs_no_certificates()
    {
        var config = Load("# nothing\n");
        Assert.Null(config.Certs);
        Assert.False(config.InsecureOrleans);
        Assert.Equal("loopback", OrleansTransportStatus.Describe(config));
        Assert.Empty(OrleansTransportStatus.Warnings(config));
    }

    [Theory]
    [InlineData(PostgresSilo, "deployment.orleans.postgresql")]
    [InlineData("deployment:\n  orleans:\n    advertised_ip: 10.1.2.3\n", "advertises 10.1.2.3 (deployment.orleans.advertised_ip)")]
    [InlineData("deployment:\n  role: data_plane\n  orleans:\n    gateways: [\"10.1.2.3:30000\", \"127.0.0.1:30000\"]\n", "gateway 10.1.2.3:30000")]
    [InlineData("deployment:\n  role: data_plane\n  orleans:\n    postgresql: {connection_string: \"Host=db\"}\n", "PostgreSQL membership table")]
    public void Orleans_ports_reachable_from_other_hosts_refuse_to_start_without_certs(string yaml, string why)
    {
        var error = Assert.Throws<GatewayConfigException>(() => Load(yaml));
        Assert.Contains("deployment.certs", error.Message);
        Assert.Contains(why, error.Message);
        Assert.Contains("deployment.certs.trusted_ca_cert", error.Message);
        Assert.Contains("deployment.orleans.allow_insecure", error.Message);
    }

    [Fact]
    public void Allow_insecure_starts_without_tls_and_says_so()
    {
        var config = Load(PostgresSilo + "\n    allow_insecure: true\n");
        Assert.True(config.InsecureOrleans);
        Assert.Equal("insecure", OrleansTransportStatus.Describe(config));
        Assert.Contains("without TLS", Assert.Single(OrleansTransportStatus.Warnings(config)));
    }

    [Fact]
    public void Data_planes_on_loopback_gateways_and_standalone_need_none()
    {
        Assert.Null(Load("deployment:\n  role: data_plane\n  orleans:\n    gateways: [\"127.0.0.1:30000\"]\n").Certs);
        Assert.Null(Load("deployment:\n  role: data_plane\n  role_data_plane: {config_provider: yaml}\n  orleans:\n    gateways: [\"10.1.2.3:30000\"]\n").Certs);
    }

    [Fact]
    public void A_silo_with_a_silo_certificate_runs_mutual_tls()
    {
        var config = Load(PostgresSilo, Pki.SiloEnv("silo-ok"));
        Assert.NotNull(config.Certs);
        Assert.Equal("mtls", OrleansTransportStatus.Describe(config));
    }

    [Fact]
    public void All_three_files_are_needed()
    {
        var certs = Pki.SiloEnv("silo-ok");
        certs.Remove("deployment__certs__trusted_ca_cert");
        var error = Assert.Throws<GatewayConfigException>(() => Load(PostgresSilo, certs));
        Assert.Contains("deployment.certs.trusted_ca_cert", error.Message);
    }

    [Fact]
    public void A_missing_file_is_named_with_its_key()
    {
        var certs = Pki.SiloEnv("silo-ok");
        certs["deployment__certs__cert"] = "/nonexistent/silo.pem";
        var error = Assert.Throws<GatewayConfigException>(() => Load(PostgresSilo, certs));
        Assert.Contains("deployment.certs.cert = \"/nonexistent/silo.pem\": file not found", error.Message);
    }

    [Fact]
    public void A_key_that_does_not_match_the_certificate_is_refused_without_printing_it()
    {
        var certs = Pki.SiloEnv("silo-ok");
        certs["deployment__certs__cert_key"] = Pki.Issue("other-key", ["og-role:silo"], server: true).Key;
        var error = Assert.Throws<GatewayConfigException>(() => Load(PostgresSilo, certs));
        Assert.Contains("deployment.certs.cert_key", error.Message);
        Assert.DoesNotContain("PRIVATE KEY", error.Message);
    }

    [Fact]
    public void A_certificate_of_another_ca_is_refused_at_start()
    {
        var foreign = new TestPki(RepoPaths.TempFolder("og-pki-foreign"));
        var certs = foreign.SiloEnv("silo-foreign");
        certs["deployment__certs__trusted_ca_cert"] = Pki.CaPath;
        var error = Assert.Throws<GatewayConfigException>(() => Load(PostgresSilo, certs));
        Assert.Contains("does not chain to deployment.certs.trusted_ca_cert", error.Message);
    }

    [Fact]
    public void An_expired_certificate_is_refused_at_start()
    {
        var expired = Pki.Issue("silo-expired", ["og-role:silo"], server: true, DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-1));
        var error = Assert.Throws<GatewayConfigException>(() => Load(PostgresSilo, Pki.Env(expired)));
        Assert.Contains("deployment.certs.cert", error.Message);
        Assert.Contains("not now", error.Message);
    }

    [Fact]
    public void A_silo_needs_a_silo_certificate_and_a_data_plane_one_of_its_group()
    {
        var siloWithDpCert = Assert.Throws<GatewayConfigException>(() => Load(PostgresSilo, Pki.DataPlaneEnv("dp-a", "a")));
        Assert.Contains("og-role:silo", siloWithDpCert.Message);

        const string dpOfB = "deployment:\n  role: data_plane\n  gateway_group_id: b\n  orleans:\n    gateways: [\"10.1.2.3:30000\"]\n";
        var wrongGroup = Assert.Throws<GatewayConfigException>(() => Load(dpOfB, Pki.DataPlaneEnv("dp-a", "a")));
        Assert.Contains("og-group:b", wrongGroup.Message);
        Assert.Contains("data plane of a", wrongGroup.Message);

        Assert.NotNull(Load(dpOfB, Pki.DataPlaneEnv("dp-ab", "a", "b")).Certs);
    }
}
