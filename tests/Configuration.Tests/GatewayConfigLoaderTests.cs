using Microsoft.Extensions.Configuration;

namespace OrleansGateway.Configuration.Tests;

public class GatewayConfigLoaderTests
{
    internal static GatewayConfig Load(string yaml, IDictionary<string, string?>? overrides = null)
    {
        var path = Path.Combine(Path.GetTempPath(), $"og-config-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        try
        {
            var builder = new ConfigurationBuilder().Add(new YamlConfigurationSource(path, optional: false));
            if (overrides is not null)
            {
                builder.AddInMemoryCollection(overrides);
            }
            return GatewayConfigLoader.Load(builder.Build());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Empty_file_gives_apisix_defaults()
    {
        var config = Load("# nothing\n");
        Assert.Equal("traditional", config.Role);
        Assert.Equal(9180, config.AdminListen.Port);
        Assert.Equal("127.0.0.1", config.AdminListen.Address.ToString());
        Assert.Equal(9080, config.NodeListen);
        Assert.Equal(9090, config.Control.Port);
        Assert.Empty(config.AdminKeys);
        Assert.Equal("default", config.GatewayGroupId);
        Assert.Equal(11111, config.Orleans.SiloPort);
        Assert.Equal(30000, config.Orleans.GatewayPort);
        Assert.Null(config.Orleans.PostgreSqlConnectionString);
        Assert.Equal((10_000, TimeSpan.FromDays(90)), (config.Audit.MaxVersions, config.Audit.MaxAge));
    }

    [Theory]
    [InlineData("30d", 30 * 24 * 3600)]
    [InlineData("720h", 720 * 3600)]
    [InlineData("0", 0)]
    public void Audit_retention_takes_days_go_durations_and_zero(string maxAge, int seconds)
    {
        var config = Load($"deployment:\n  admin:\n    audit: {{max_versions: 500, max_age: {maxAge}}}\n");
        Assert.Equal((500, TimeSpan.FromSeconds(seconds)), (config.Audit.MaxVersions, config.Audit.MaxAge));
    }

    [Fact]
    public void Apisix_style_file_is_read()
    {
        var config = Load("""
            apisix:
              node_listen: 9081
            deployment:
              role: data_plane
              role_data_plane:
                config_provider: yaml
              admin:
                admin_key:
                  - {name: admin, key: 0123456789abcdef-key, role: admin}
                  - {name: ro, key: fedcba9876543210-key, role: viewer}
                admin_listen: {ip: 0.0.0.0, port: 9200}
              orleans:
                gateways: ["127.0.0.1:30000", "127.0.0.1:30001"]
                postgresql: {connection_string: "Host=127.0.0.1"}
            """);
        Assert.Equal("data_plane", config.Role);
        Assert.Equal("yaml", config.ConfigProvider);
        Assert.Equal(9081, config.NodeListen);
        Assert.Equal(["admin", "viewer"], config.AdminKeys.Select(k => k.Role).ToArray());
        Assert.Equal(9200, config.AdminListen.Port);
        Assert.Equal(2, config.Orleans.Gateways.Count);
        Assert.Equal("Host=127.0.0.1", config.Orleans.PostgreSqlConnectionString);
    }

    [Fact]
    public void Node_listen_takes_apisix_list_forms_with_http2_ports()
    {
        var config = Load("apisix:\n  node_listen:\n    - 9080\n    - port: 9081\n      enable_http2: true\n");
        Assert.Equal([new NodeListener(9080, false), new NodeListener(9081, true)], config.NodeListeners);
        Assert.Equal(9080, config.NodeListen);
    }

    [Fact]
    public void A_single_port_override_of_a_listed_node_listen_is_refused_not_ignored()
    {
        var e = Assert.Throws<GatewayConfigException>(() => Load("apisix:\n  node_listen: [9080]\n",
            new Dictionary<string, string?> { ["apisix:node_listen"] = "9090" }));
        Assert.Contains("give either one port or a list", e.Message);
    }

    [Fact]
    public void Admin_cors_and_post_args_limit_default_as_apisix_and_can_be_set()
    {
        var defaults = Load("", new Dictionary<string, string?>());
        Assert.Equal((true, 64L * 1024 * 1024), (defaults.AdminCors, defaults.MaxPostArgsReadableBytes));
        var set = Load("apisix:\n  max_post_args_readable_size: 0\ndeployment:\n  admin:\n    enable_admin_cors: false\n", new Dictionary<string, string?>());
        Assert.Equal((false, 0L), (set.AdminCors, set.MaxPostArgsReadableBytes));
    }

    [Fact]
    public void Environment_style_override_wins_over_the_file()
    {
        var config = Load("deployment:\n  admin:\n    admin_listen: {port: 9200}\n",
            new Dictionary<string, string?> { ["deployment:admin:admin_listen:port"] = "9300" });
        Assert.Equal(9300, config.AdminListen.Port);
    }

    [Theory]
    [InlineData("deployment:\n  admin:\n    audit: {max_age: forever}\n", "deployment.admin.audit.max_age = \"forever\": expected a duration such as 90d, 720h or 0 (no age limit)")]
    [InlineData("deployment:\n  admin:\n    audit: {max_versions: 5}\n", "deployment.admin.audit.max_versions = \"5\": expected an integer from 100 to 100000000")]
    [InlineData("deployment:\n  role: sideways\n", "deployment.role = \"sideways\": expected one of traditional, control_plane, data_plane")]
    [InlineData("apisix:\n  node_listen: 70000\n", "apisix.node_listen = \"70000\": expected an integer from 1 to 65535")]
    [InlineData("deployment:\n  admin:\n    admin_listen: {ip: localhost-ish}\n", "deployment.admin.admin_listen.ip = \"localhost-ish\": expected an IP address")]
    [InlineData("deployment:\n  admin:\n    admin_key:\n      - {name: a, key: short}\n", "deployment.admin.admin_key.0.key")]
    [InlineData("deployment:\n  admin:\n    admin_key:\n      - {name: a, key: edd1c9f034335f136f87ad84b625c8f1}\n", "published default key")]
    [InlineData("deployment:\n  orleans:\n    gateways: [nothing]\n", "deployment.orleans.gateways.0 = \"nothing\": expected ip:port")]
    [InlineData("deployment:\n  gateway_group_id: \"a b\"\n", "deployment.gateway_group_id = \"a b\"")]
    [InlineData("apisix:\n  node_listen: [9080, 9080]\n", "apisix.node_listen = \"9080\": a port may be listed once")]
    [InlineData("apisix:\n  node_listen:\n    - {enable_http2: true}\n", "apisix.node_listen.0.port")]
    [InlineData("apisix:\n  node_listen:\n    - {port: 9081, enable_http2: maybe}\n", "apisix.node_listen.0.enable_http2 = \"maybe\"")]
    public void Bad_values_stop_with_key_and_value(string yaml, string expected)
    {
        var e = Assert.Throws<GatewayConfigException>(() => Load(yaml));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_short_admin_key_is_not_echoed()
    {
        var e = Assert.Throws<GatewayConfigException>(() => Load("deployment:\n  admin:\n    admin_key:\n      - {name: a, key: tiny-secret}\n"));
        Assert.DoesNotContain("tiny-secret", e.Message);
    }

    [Fact]
    public void Invalid_yaml_names_the_file_and_line()
    {
        var e = Assert.Throws<GatewayConfigException>(() => Load("deployment:\n  role: [\n"));
        Assert.Contains("is not valid YAML at line", e.Message);
    }

    [Theory]
    [InlineData("10s", 10_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("250ms", 250)]
    [InlineData("5", 5_000)]
    public void Durations_parse_like_go(string text, int ms)
    {
        Assert.True(DurationParser.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(ms), value);
    }
}

public class FallbackCpConfigTests
{
    private static GatewayConfig Load(string yaml) => GatewayConfigLoaderTests.Load(yaml);

    [Fact]
    public void The_seed_documents_block_is_read_verbatim()
    {
        var config = Load("""
            fallback_cp:
              aws_s3:
                access_key: your-aws-iam-access-key
                region: ap-south-1
                config_bucket: bucket-to-push-config-data
                resource_bucket: bucket-to-push-resource-data
                secret_key: your-aws-iam-secret-access-key
              cron_spec: '@every 1m'
            """).FallbackCp;
        Assert.Equal("ap-south-1", config.AwsS3!.Region);
        Assert.Equal("bucket-to-push-config-data", config.AwsS3.ConfigBucket);
        Assert.Equal("bucket-to-push-resource-data", config.AwsS3.ResourceBucket);
        Assert.Equal(TimeSpan.FromMinutes(1), config.Schedule.Interval);
        Assert.DoesNotContain("your-aws-iam-secret-access-key", config.AwsS3.ToString());
        Assert.False(config.AwsS3.UsePathStyle);
    }

    [Fact]
    public void Without_aws_s3_the_folder_store_is_used_with_defaults()
    {
        var config = Load("# nothing\n").FallbackCp;
        Assert.Null(config.AwsS3);
        Assert.Equal(10, config.Retain);
        Assert.Equal(TimeSpan.FromSeconds(5), config.FallbackAfter);
        Assert.Null(config.EncryptionKey);
    }

    [Fact]
    public void An_endpoint_implies_path_style_and_a_key_is_parsed()
    {
        var key = Convert.ToBase64String(new byte[32]);
        var config = Load($"""
            fallback_cp:
              aws_s3: {"{"}config_bucket: cfg, resource_bucket: res, endpoint: "http://127.0.0.1:9000"{"}"}
              encryption_key: {key}
              cron_spec: '*/10 * * * * *'
            """).FallbackCp;
        Assert.True(config.AwsS3!.UsePathStyle);
        Assert.Equal(new Uri("http://127.0.0.1:9000"), config.AwsS3.Endpoint);
        Assert.NotNull(config.EncryptionKey);
    }

    [Theory]
    [InlineData("fallback_cp:\n  cron_spec: '@every soon'\n", "fallback_cp.cron_spec = \"@every soon\"")]
    [InlineData("fallback_cp:\n  cron_spec: '* * *'\n", "has 3 fields")]
    [InlineData("fallback_cp:\n  aws_s3: {resource_bucket: res}\n", "fallback_cp.aws_s3.config_bucket = \"\": a bucket name is required")]
    [InlineData("fallback_cp:\n  aws_s3: {config_bucket: Bad_Name, resource_bucket: res}\n", "expected an S3 bucket name")]
    [InlineData("fallback_cp:\n  aws_s3: {config_bucket: cfg, resource_bucket: res, access_key: a}\n", "set both access_key and secret_key")]
    [InlineData("fallback_cp:\n  aws_s3: {config_bucket: cfg, resource_bucket: res, endpoint: 'ftp://x'}\n", "expected an absolute http:// or https:// URL")]
    [InlineData("fallback_cp:\n  aws_s3: {config_bucket: cfg, resource_bucket: res, server_side_encryption: rot13}\n", "expected AES256 or aws:kms")]
    [InlineData("fallback_cp:\n  encryption_key: c2hvcnQ=\n", "fallback_cp.encryption_key = \"<hidden>\": expected 32 bytes")]
    [InlineData("fallback_cp:\n  fallback_after: soon\n", "fallback_cp.fallback_after = \"soon\"")]
    public void Bad_values_stop_with_key_and_value(string yaml, string expected)
    {
        Assert.Contains(expected, Assert.Throws<GatewayConfigException>(() => Load(yaml)).Message);
    }
}
