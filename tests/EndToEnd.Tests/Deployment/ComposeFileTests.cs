using System.Net;
using Microsoft.Extensions.Configuration;
using OrleansGateway.Configuration;
using OrleansGateway.TestSupport;
using YamlDotNet.RepresentationModel;

namespace OrleansGateway.EndToEnd.Tests.Deployment;

/// <summary>
/// docker/docker-compose.yaml, checked without a container engine: Debian's docker-compose parses and resolves it
/// (installed by scripts/test-deps.sh), and the configuration each gateway service would start with — its mounted
/// file plus the environment compose gives it — goes through the hosts' own loader.
/// </summary>
public class ComposeFileTests
{
    private const string ConfigInContainer = "/etc/orleans-gateway/config.yaml";

    private static readonly string ComposeFile = Path.Combine(RepoPaths.Root, "docker", "docker-compose.yaml");

    /// <summary>Throwaway values for the secrets the compose file requires.</summary>
    private static readonly Dictionary<string, string?> Secrets = new()
    {
        ["POSTGRES_PASSWORD"] = "throwawayPostgres42",
        ["MINIO_ROOT_USER"] = "throwaway-minio",
        ["MINIO_ROOT_PASSWORD"] = "throwawayMinio42",
        ["OG_ADMIN_KEY"] = "throwawayAdminKey0123456789",
    };

    private static readonly string[] Silos = ["silo1", "silo2", "silo3"];
    private static readonly string[] DataPlanes = ["dp1", "dp2"];

    private static async Task<ExternalCommand.Result> ComposeAsync(IDictionary<string, string?> environment, params string[] args)
    {
        // An empty env file: a developer's docker/.env must not decide the outcome.
        var folder = RepoPaths.TempFolder("og-compose");
        var envFile = Path.Combine(folder, "empty.env");
        File.WriteAllText(envFile, "");
        try
        {
            return await ExternalCommand.RunAsync("docker-compose", ["--env-file", envFile, "-f", ComposeFile, .. args], environment, TimeSpan.FromSeconds(90));
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("docker-compose is not installed: run scripts/test-deps.sh", e);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Compose_file_is_valid_with_the_secrets_set()
    {
        var result = await ComposeAsync(Secrets, "config", "-q");
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Theory]
    [InlineData("POSTGRES_PASSWORD")]
    [InlineData("MINIO_ROOT_USER")]
    [InlineData("MINIO_ROOT_PASSWORD")]
    [InlineData("OG_ADMIN_KEY")]
    public async Task Compose_refuses_to_run_without_a_secret_and_names_it(string secret)
    {
        var environment = new Dictionary<string, string?>(Secrets) { [secret] = null };
        var result = await ComposeAsync(environment, "config", "-q");
        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Contains($"set {secret}", result.Error);
    }

    [Fact]
    public async Task Every_gateway_service_starts_with_a_config_the_loader_accepts_and_the_pieces_fit_together()
    {
        var services = await ResolvedServicesAsync();

        var siloGateways = new List<IPEndPoint>();
        GatewayConfig? firstSilo = null;
        foreach (var name in Silos)
        {
            var service = (YamlMappingNode)services[name];
            AssertBuildsFromRepository(service, "docker/silo.Dockerfile");
            var config = LoadAsCompose(service, name, silo: true);
            Assert.Equal("control_plane", config.Role);
            Assert.Equal(new IPEndPoint(IPAddress.Any, 9180), config.AdminListen);
            Assert.Equal(Secrets["OG_ADMIN_KEY"], Assert.Single(config.AdminKeys).Key);
            Assert.Contains("Host=postgres;", config.Orleans.PostgreSqlConnectionString);
            Assert.Contains($"Password={Secrets["POSTGRES_PASSWORD"]};", config.Orleans.PostgreSqlConnectionString);
            // It advertises the address compose gives it: the one the data planes dial.
            Assert.Equal(Scalar(service, "networks", "gateway", "ipv4_address"), config.Orleans.AdvertisedIp.ToString());
            AssertUsesMinio(config);
            Assert.Contains($"{config.AdminListen.Port}/tcp", PublishedPorts(service));
            siloGateways.Add(new IPEndPoint(config.Orleans.AdvertisedIp, config.Orleans.GatewayPort));
            firstSilo ??= config;
        }
        Assert.Equal(3, siloGateways.Distinct().Count());

        foreach (var name in DataPlanes)
        {
            var service = (YamlMappingNode)services[name];
            AssertBuildsFromRepository(service, "docker/dataplane.Dockerfile");
            var config = LoadAsCompose(service, name, silo: false);
            Assert.Equal("data_plane", config.Role);
            Assert.Equal("control_plane", config.ConfigProvider);
            Assert.Equal(siloGateways, config.Orleans.Gateways);
            Assert.Equal(firstSilo!.Orleans.ClusterId, config.Orleans.ClusterId);
            Assert.Equal(firstSilo.Orleans.ServiceId, config.Orleans.ServiceId);
            AssertUsesMinio(config);
            Assert.Equal(firstSilo.FallbackCp.AwsS3!.ResourceBucket, config.FallbackCp.AwsS3!.ResourceBucket);
            Assert.Contains($"{config.NodeListen}/tcp", PublishedPorts(service));
            Assert.Contains($"{config.Control.Port}/tcp", PublishedPorts(service));
        }

        // The one-shot service creates exactly the buckets the silos write to.
        var createBuckets = string.Join('\n', ((YamlSequenceNode)((YamlMappingNode)services["create-buckets"])["command"]).Select(c => c.ToString()));
        Assert.Contains($"og/{firstSilo!.FallbackCp.AwsS3!.ResourceBucket}", createBuckets);
        Assert.Contains($"og/{firstSilo.FallbackCp.AwsS3.ConfigBucket}", createBuckets);
    }

    [Fact]
    public void Dockerfile_health_checks_probe_the_ports_of_the_compose_configs()
    {
        var silo = LoadFile(ConfigFile("silo.yaml"), HostEnvironment("silo.yaml"));
        var dp = LoadFile(ConfigFile("data_plane.yaml"), HostEnvironment("data_plane.yaml"));
        Assert.Contains($"OG_HEALTH_URL=http://127.0.0.1:{silo.AdminListen.Port}/readyz", Dockerfile("silo.Dockerfile"));
        Assert.Contains($"OG_HEALTH_URL=http://127.0.0.1:{dp.Control.Port}/healthz", Dockerfile("dataplane.Dockerfile"));
        Assert.Contains($"\"/app/{Path.GetFileName(RepoPaths.SiloDll)}\"", Dockerfile("silo.Dockerfile"));
        Assert.Contains($"\"/app/{Path.GetFileName(RepoPaths.DataPlaneDll)}\"", Dockerfile("dataplane.Dockerfile"));
    }

    /// <summary>The loader is the hosts' first step: a bad value in these files must stop them, naming the key.</summary>
    [Theory]
    [InlineData("silo.yaml", "role: control_plane", "role: control-plane", "deployment.role")]
    [InlineData("silo.yaml", "admin_listen: {ip: 0.0.0.0, port: 9180}", "admin_listen: {ip: 0.0.0.0, port: 91800}", "deployment.admin.admin_listen.port")]
    [InlineData("silo.yaml", "cron_spec: '@every 10s'", "cron_spec: 'every ten seconds'", "fallback_cp.cron_spec")]
    [InlineData("silo.yaml", "resource_bucket: og-resources", "resource_bucket: OG_Resources", "fallback_cp.aws_s3.resource_bucket")]
    [InlineData("data_plane.yaml", "- 172.30.57.11:30000", "- silo1:30000", "deployment.orleans.gateways.0")]
    [InlineData("data_plane.yaml", "fallback_after: 5s", "fallback_after: soon", "fallback_cp.fallback_after")]
    public void A_bad_value_in_a_compose_config_file_stops_the_loader(string file, string good, string bad, string key)
    {
        var environment = HostEnvironment(file);
        var text = File.ReadAllText(ConfigFile(file));
        Assert.Contains(good, text);
        var folder = RepoPaths.TempFolder("og-compose-config");
        var copy = Path.Combine(folder, file);
        try
        {
            File.WriteAllText(copy, text);
            LoadFile(copy, environment); // the file as it is loads
            File.WriteAllText(copy, text.Replace(good, bad));
            var error = Assert.Throws<GatewayConfigException>(() => LoadFile(copy, environment));
            Assert.Contains(key, error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// What the environment gives a config file outside compose: the admin key (silo.yaml), and certificates of the
    /// file's role in place of the ones compose mounts (which exist only once scripts/certs.sh has issued them).
    /// </summary>
    private static Dictionary<string, string?> HostEnvironment(string file)
    {
        var silo = file == "silo.yaml";
        var environment = Certificates(silo ? "silo1" : "dp1", silo);
        if (silo)
        {
            environment["deployment:admin:admin_key:0:key"] = Secrets["OG_ADMIN_KEY"];
        }
        return environment;
    }

    /// <summary>deployment.certs pointing at test certificates named <paramref name="name"/>, of a silo or a data plane of group default.</summary>
    private static Dictionary<string, string?> Certificates(string name, bool silo) =>
        (silo ? TestPki.Shared.SiloEnv(name) : TestPki.Shared.DataPlaneEnv(name, "default"))
            .ToDictionary(e => e.Key.Replace("__", ":", StringComparison.Ordinal), e => (string?)e.Value);

    private static string ConfigFile(string name) => Path.Combine(RepoPaths.Root, "docker", "config", name);

    private static string Dockerfile(string name) => File.ReadAllText(Path.Combine(RepoPaths.Root, "docker", name));

    private static async Task<YamlMappingNode> ResolvedServicesAsync()
    {
        var result = await ComposeAsync(Secrets, "config");
        Assert.True(result.ExitCode == 0, result.ToString());
        var yaml = new YamlStream();
        yaml.Load(new StringReader(result.Output));
        return (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
    }

    /// <summary>The service's configuration as its host would load it: the mounted file, then the environment.</summary>
    /// <remarks>
    /// The certificate files the config names must be mounted from docker/certs under the names
    /// <c>scripts/certs.sh compose</c> gives them; test certificates of the same name and role stand in for them.
    /// </remarks>
    private static GatewayConfig LoadAsCompose(YamlMappingNode service, string name, bool silo)
    {
        var command = ((YamlSequenceNode)service["command"]).Select(c => c.ToString()).ToArray();
        Assert.Equal(new[] { "--config", ConfigInContainer }, command);
        var file = MountedFile(service, ConfigInContainer);
        Assert.True(File.Exists(file), $"{file} is mounted at {ConfigInContainer} but does not exist");
        var environment = ((YamlMappingNode)service["environment"]).Children
            .ToDictionary(e => e.Key.ToString().Replace("__", ":", StringComparison.Ordinal), e => (string?)e.Value.ToString());
        var raw = new ConfigurationBuilder().Add(new YamlConfigurationSource(file, optional: false)).AddInMemoryCollection(environment).Build();
        foreach (var (key, issued) in new[] { ("cert", name + ".pem"), ("cert_key", name + ".key"), ("trusted_ca_cert", "ca.pem") })
        {
            var inContainer = raw[$"deployment:certs:{key}"] ?? throw new Xunit.Sdk.XunitException($"{file} sets no deployment.certs.{key}: compose runs Orleans with mutual TLS");
            Assert.Equal(Path.Combine(RepoPaths.Root, "docker", "certs", issued), MountedFile(service, inContainer));
        }
        var config = LoadFile(file, new Dictionary<string, string?>(environment).SetAll(Certificates(name, silo)));
        // A misspelt key in the file or the service's environment would otherwise pass silently as a default.
        Assert.True(config.UnusedKeys.Count == 0, $"{file} with the service's environment sets keys nothing reads: {string.Join(", ", config.UnusedKeys)}");
        return config;
    }

    private static GatewayConfig LoadFile(string file, IDictionary<string, string?> environment) =>
        GatewayConfigLoader.Load(new ConfigurationBuilder()
            .Add(new YamlConfigurationSource(file, optional: false))
            .AddInMemoryCollection(environment)
            .Build());

    private static void AssertUsesMinio(GatewayConfig config)
    {
        var s3 = config.FallbackCp.AwsS3;
        Assert.NotNull(s3);
        Assert.Equal(new Uri("http://minio:9000"), s3.Endpoint);
        Assert.True(s3.UsePathStyle);
        Assert.Equal(Secrets["MINIO_ROOT_USER"], s3.AccessKey);
        Assert.Equal(Secrets["MINIO_ROOT_PASSWORD"], s3.SecretKey);
    }

    private static void AssertBuildsFromRepository(YamlMappingNode service, string dockerfile)
    {
        var build = (YamlMappingNode)service["build"];
        Assert.Equal(RepoPaths.Root.TrimEnd('/'), build["context"].ToString().TrimEnd('/'));
        Assert.Equal(dockerfile, build["dockerfile"].ToString());
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, dockerfile)), dockerfile);
    }

    /// <summary>The host path of a bind mount, in docker-compose v1's short form or the long form of compose v2.</summary>
    private static string MountedFile(YamlMappingNode service, string target)
    {
        foreach (var volume in (YamlSequenceNode)service["volumes"])
        {
            if (volume is YamlScalarNode scalar && scalar.Value!.IndexOf(":" + target, StringComparison.Ordinal) is var at and > 0)
            {
                return scalar.Value[..at];
            }
            if (volume is YamlMappingNode map && map["target"].ToString() == target)
            {
                return map["source"].ToString();
            }
        }
        throw new Xunit.Sdk.XunitException($"nothing is mounted at {target}");
    }

    /// <summary>The container ports a service publishes, as "9180/tcp".</summary>
    private static string[] PublishedPorts(YamlMappingNode service) =>
        ((YamlSequenceNode)service["ports"]).Select(p => p switch
        {
            YamlScalarNode s => s.Value!.Split(':')[^1],
            YamlMappingNode m => $"{m["target"]}/{(m.Children.TryGetValue(new YamlScalarNode("protocol"), out var protocol) ? protocol.ToString() : "tcp")}",
            _ => "",
        }).ToArray();

    private static string Scalar(YamlMappingNode node, params string[] path)
    {
        YamlNode current = node;
        foreach (var key in path)
        {
            current = ((YamlMappingNode)current)[key];
        }
        return current.ToString();
    }
}
