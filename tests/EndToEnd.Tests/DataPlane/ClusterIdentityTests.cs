using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.DataPlane;

/// <summary>
/// A data plane pointed at another cluster's or service's silos does not follow their group, and says why. Orleans
/// itself drops a client with another cluster_id; a different service_id it lets through, and the data plane's
/// identity check on connect refuses it.
/// </summary>
public class ClusterIdentityTests
{
    [Fact]
    public async Task A_data_plane_of_another_cluster_or_service_refuses_the_silos_and_says_why()
    {
        await using var echo = await EchoUpstream.StartAsync();
        await using var silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-identity-silo"), extraEnv: new Dictionary<string, string>
        {
            ["deployment__role"] = "control_plane",
            ["deployment__orleans__cluster_id"] = "cluster-a",
            ["deployment__orleans__service_id"] = "service-a",
        });
        using var admin = silo.AdminClient();
        (await admin.PutAsync("/apisix/admin/routes/1", new StringContent(
            $$$$"""{"uri":"/ip","upstream":{"nodes":{"{{{{echo.Address}}}}":1}}}""", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();

        Task<DataPlaneProcess> StartAsync(string clusterId, string serviceId) => DataPlaneProcess.StartAsync(RepoPaths.TempFolder("og-identity-dp"), new Dictionary<string, string>
        {
            ["deployment__role"] = "data_plane",
            ["deployment__orleans__cluster_id"] = clusterId,
            ["deployment__orleans__service_id"] = serviceId,
            ["deployment__orleans__gateways__0"] = $"127.0.0.1:{silo.GatewayPort}",
            ["fallback_cp__folder"] = RepoPaths.TempFolder("og-identity-empty-store"),
            ["fallback_cp__fallback_after"] = "1s",
        });

        // Retried about every second: waits for a reason that says what is wrong (an early attempt may fail otherwise).
        async Task<string> RefusedAsync(DataPlaneProcess dp, string expected)
        {
            string? last = null;
            try
            {
                await dp.Process.WaitUntilAsync(async () =>
                {
                    last = JsonNode.Parse(await dp.Status.GetStringAsync("/status"))!["control_plane_error"]?.GetValue<string>();
                    return last?.Contains(expected, StringComparison.Ordinal) == true;
                }, TimeSpan.FromSeconds(30), $"'{expected}' in /status control_plane_error");
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException($"{e.Message}\nlast control_plane_error: {last}", e);
            }
            var status = JsonNode.Parse(await dp.Status.GetStringAsync("/status"))!;
            Assert.False(status["control_plane_connected"]!.GetValue<bool>());
            Assert.NotEqual("control_plane", status["mode"]!.GetValue<string>());
            return last!;
        }

        await using var otherCluster = await StartAsync("cluster-b", "service-a");
        await RefusedAsync(otherCluster, "cluster_id");

        await using var otherService = await StartAsync("cluster-a", "service-b");
        var why = await RefusedAsync(otherService, "service_id 'service-a'");
        Assert.Contains("service_id 'service-b'", why);
        await otherService.Process.WaitUntilAsync(() => Task.FromResult(otherService.Process.Output.Contains("Refusing the control plane", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), "the refusal in the log");
        // A configuration fault, not an outage: the next attempt waits (30 s), so the log holds it once, not every second.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(1, otherService.Process.Output.Split("Refusing the control plane").Length - 1);

        // The silo serves the route to a data plane of its own cluster and service; the refused ones never loaded it.
        await using var right = await StartAsync("cluster-a", "service-a");
        await right.Process.WaitUntilAsync(async () => (await right.Proxy.GetAsync("/ip")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "the route via the right cluster");
        // The route is served as soon as it is applied; the connection counts as made just after.
        await right.Process.WaitUntilAsync(async () => JsonNode.Parse(await right.Status.GetStringAsync("/status"))!["control_plane_connected"]!.GetValue<bool>(),
            TimeSpan.FromSeconds(10), "connected");
        Assert.Null(JsonNode.Parse(await right.Status.GetStringAsync("/status"))!["control_plane_error"]);
        Assert.Equal(HttpStatusCode.NotFound, (await otherCluster.Proxy.GetAsync("/ip")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await otherService.Proxy.GetAsync("/ip")).StatusCode);
    }
}
