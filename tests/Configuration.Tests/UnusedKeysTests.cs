using OrleansGateway.TestSupport;
using Microsoft.Extensions.Configuration;

namespace OrleansGateway.Configuration.Tests;

/// <summary>Keys nothing reads are reported (names only), so a typo does not pass silently as a default.</summary>
public class UnusedKeysTests
{
    [Fact]
    public void A_misspelt_key_is_reported_and_its_value_is_not()
    {
        var config = GatewayConfigLoaderTests.Load("""
            deployment:
              role: data_plane
              role_data_plane: {config_provider: yaml}
            fallback_cp:
              poll_intervl: 1s
              aws_s3:
                config_bucket: og-config
                resource_bucket: og-resources
                secret_kye: do-not-print-me
            """);
        Assert.Equal(["fallback_cp.aws_s3.secret_kye", "fallback_cp.poll_intervl"], config.UnusedKeys);
        Assert.Equal(TimeSpan.FromSeconds(5), config.FallbackCp.PollInterval);
    }

    [Fact]
    public void Apisix_settings_we_do_not_have_are_reported_and_do_not_stop_the_load()
    {
        var config = GatewayConfigLoaderTests.Load("""
            apisix:
              node_listen: 9081
              enable_ipv6: false
            deployment:
              role: data_plane
              etcd: {host: ["http://127.0.0.1:2379"], prefix: /apisix}
            nginx_config: {worker_processes: auto}
            """);
        Assert.Equal(9081, config.NodeListen);
        // Only our three sections are checked: nginx_config is APISIX's alone.
        Assert.Equal(["apisix.enable_ipv6", "deployment.etcd"], config.UnusedKeys);
    }

    [Fact]
    public void Every_key_the_loader_knows_counts_as_used()
    {
        var config = GatewayConfigLoaderTests.Load("""
            apisix:
              node_listen:
                - 9080
                - {port: 9081, enable_http2: true}
              control: {ip: 127.0.0.1, port: 9092}
              max_post_args_readable_size: 8
            deployment:
              role: data_plane
              data_dir: ./data
              gateway_group_id: g1
              sqlite: {synchronous: NORMAL}
              role_data_plane: {config_provider: control_plane}
              admin:
                admin_key:
                  - {name: admin, key: 0123456789abcdef-key, role: admin}
                admin_listen: {ip: 127.0.0.1, port: 9180}
                max_body_bytes: 65536
                enable_admin_cors: false
                dashboard: {enabled: true, session_ttl: 1h, metrics_idle_after: 2m}
              orleans:
                cluster_id: c
                service_id: s
                silo_port: 11111
                gateway_port: 30000
                advertised_ip: 127.0.0.1
                gateways: ["127.0.0.1:30000"]
                postgresql: {connection_string: "Host=127.0.0.1"}
            fallback_cp:
              cron_spec: "@every 1m"
              retain: 3
              folder: ./snapshots
              fallback_after: 2s
              poll_interval: 1s
              encryption_key: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
              aws_s3:
                access_key: a
                secret_key: b
                region: us-east-1
                config_bucket: og-config
                resource_bucket: og-resources
                endpoint: http://127.0.0.1:4568
                use_path_style: true
                server_side_encryption: aws:kms
                kms_key_id: k
            """);
        Assert.Empty(config.UnusedKeys);
    }

    [Fact]
    public void A_value_slipped_into_a_key_name_is_not_printed()
    {
        // No space after the colon: YAML reads one key "encryption_key:AAECAwQF…" whose name holds the secret.
        var config = GatewayConfigLoaderTests.Load("""
            fallback_cp: {retain: 3, encryption_key:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=}
            """);
        Assert.Null(config.FallbackCp.EncryptionKey);
        Assert.Equal(["fallback_cp.encryption_key (nested keys ignored)"], config.UnusedKeys);
        Assert.DoesNotContain(config.UnusedKeys, k => k.Contains("AAEC", StringComparison.Ordinal));
    }

    [Fact]
    public void An_extra_field_in_an_admin_key_entry_is_reported()
    {
        var config = GatewayConfigLoaderTests.Load("""
            deployment:
              admin:
                admin_key:
                  - {name: admin, key: 0123456789abcdef-key, role: admin, rol: viewer}
            """);
        Assert.Equal(["deployment.admin.admin_key.0.rol"], config.UnusedKeys);
    }

    [Fact]
    public void Environment_overrides_are_checked_like_the_file()
    {
        var config = GatewayConfigLoaderTests.Load("deployment: {role: data_plane}\n", new Dictionary<string, string?>
        {
            ["deployment:gateway_group_id"] = "g2",
            ["deployment:gateway_grup_id"] = "g3",
        });
        Assert.Equal("g2", config.GatewayGroupId);
        Assert.Equal(["deployment.gateway_grup_id"], config.UnusedKeys);
    }

    [Fact]
    public void The_shipped_config_files_use_every_key_they_set()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "OrleansGateway.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
        }
        // docker/config is checked with the compose file's environment, in ComposeFileTests.
        var files = Directory.GetFiles(Path.Combine(root, "conf"), "*.yaml");
        Assert.True(files.Length >= 4, string.Join(", ", files));
        foreach (var file in files)
        {
            // Certificate files the config names are the operator's to issue: test ones of the file's role stand in.
            var raw = new ConfigurationBuilder().Add(new YamlConfigurationSource(file, optional: false)).Build();
            var certs = raw["deployment:certs:cert"] is null ? new Dictionary<string, string>()
                : raw["deployment:role"] == "data_plane" ? TestPki.Shared.DataPlaneEnv("conf-dp", raw["deployment:gateway_group_id"] ?? "default")
                : TestPki.Shared.SiloEnv("conf-silo");
            var config = GatewayConfigLoader.Load(new ConfigurationBuilder().Add(new YamlConfigurationSource(file, optional: false))
                .AddInMemoryCollection(certs.ToDictionary(e => e.Key.Replace("__", ":", StringComparison.Ordinal), e => (string?)e.Value)).Build());
            Assert.True(config.UnusedKeys.Count == 0, $"{file}: {string.Join(", ", config.UnusedKeys)}");
        }
    }
}
