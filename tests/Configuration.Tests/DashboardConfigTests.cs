namespace OrleansGateway.Configuration.Tests;

public class DashboardConfigTests
{
    private static GatewayConfig Load(string yaml) => GatewayConfigLoaderTests.Load(yaml);

    [Fact]
    public void The_dashboard_is_on_by_default_with_an_8_hour_login()
    {
        var config = Load("# nothing\n");
        Assert.True(config.Dashboard.Enabled);
        Assert.Equal(TimeSpan.FromHours(8), config.Dashboard.SessionTtl);
        Assert.Equal(TimeSpan.FromMinutes(5), config.Dashboard.MetricsIdleAfter);
    }

    [Fact]
    public void The_block_is_read()
    {
        var config = Load("deployment:\n  admin:\n    dashboard: {enabled: false, session_ttl: 30m, metrics_idle_after: 90s}\n");
        Assert.False(config.Dashboard.Enabled);
        Assert.Equal(TimeSpan.FromMinutes(30), config.Dashboard.SessionTtl);
        Assert.Equal(TimeSpan.FromSeconds(90), config.Dashboard.MetricsIdleAfter);
    }

    [Theory]
    [InlineData("enabled: maybe", "deployment.admin.dashboard.enabled = \"maybe\": expected true or false")]
    [InlineData("session_ttl: soon", "deployment.admin.dashboard.session_ttl = \"soon\": expected a positive duration")]
    [InlineData("session_ttl: 0s", "deployment.admin.dashboard.session_ttl = \"0s\"")]
    [InlineData("metrics_idle_after: never", "deployment.admin.dashboard.metrics_idle_after = \"never\": expected a positive duration")]
    [InlineData("session_ttl: 169h", "deployment.admin.dashboard.session_ttl = \"169h\": expected at most 7 days")]
    public void Bad_values_stop_with_key_and_value(string line, string expected)
    {
        var e = Assert.Throws<GatewayConfigException>(() => Load($"deployment:\n  admin:\n    dashboard:\n      {line}\n"));
        Assert.Contains(expected, e.Message);
    }
}
