using Microsoft.Extensions.Configuration;

namespace OrleansGateway.Configuration.Tests;

public class GatewayConfigLoaderTests
{
    private static GatewayConfig Load(string yaml, IDictionary<string, string?>? overrides = null)
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
    public void Environment_style_override_wins_over_the_file()
    {
        var config = Load("deployment:\n  admin:\n    admin_listen: {port: 9200}\n",
            new Dictionary<string, string?> { ["deployment:admin:admin_listen:port"] = "9300" });
        Assert.Equal(9300, config.AdminListen.Port);
    }

    [Theory]
    [InlineData("deployment:\n  role: sideways\n", "deployment.role = \"sideways\": expected one of traditional, control_plane, data_plane")]
    [InlineData("apisix:\n  node_listen: 70000\n", "apisix.node_listen = \"70000\": expected an integer from 1 to 65535")]
    [InlineData("deployment:\n  admin:\n    admin_listen: {ip: localhost-ish}\n", "deployment.admin.admin_listen.ip = \"localhost-ish\": expected an IP address")]
    [InlineData("deployment:\n  admin:\n    admin_key:\n      - {name: a, key: short}\n", "deployment.admin.admin_key.0.key")]
    [InlineData("deployment:\n  admin:\n    admin_key:\n      - {name: a, key: edd1c9f034335f136f87ad84b625c8f1}\n", "published default key")]
    [InlineData("deployment:\n  orleans:\n    gateways: [nothing]\n", "deployment.orleans.gateways.0 = \"nothing\": expected ip:port")]
    [InlineData("deployment:\n  gateway_group_id: \"a b\"\n", "deployment.gateway_group_id = \"a b\"")]
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
