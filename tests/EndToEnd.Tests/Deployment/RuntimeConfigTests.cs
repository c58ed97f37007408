using System.Text.Json.Nodes;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.Deployment;

/// <summary>
/// The runtime settings the projects ask for are the ones the built hosts run with. (MSBuild ignores a misspelt
/// property silently: the hosts once ran on server GC for weeks under a "ServerGarbageCollector" that meant nothing.)
/// </summary>
public sealed class RuntimeConfigTests
{
    [Theory]
    [InlineData("silo")]
    [InlineData("data plane")]
    public void The_hosts_run_on_workstation_gc(string host)
    {
        var dll = host == "silo" ? RepoPaths.SiloDll : RepoPaths.DataPlaneDll;
        var config = JsonNode.Parse(File.ReadAllText(Path.ChangeExtension(dll, ".runtimeconfig.json")))!["runtimeOptions"]!["configProperties"]!;
        Assert.False(config["System.GC.Server"]?.GetValue<bool>() ?? false, $"the {host} is built for server GC");
        if (host == "silo")
        {
            Assert.True(config["System.GC.Concurrent"]?.GetValue<bool>() ?? true);
            Assert.Equal(0, config["System.Threading.ThreadPool.UnfairSemaphoreSpinLimit"]!.GetValue<int>());
        }
    }
}
