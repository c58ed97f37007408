namespace OrleansGateway.TestSupport;

/// <summary>A data-plane process on loopback ports with its own data folder and an HTTP client for each port.</summary>
public sealed class DataPlaneProcess : IAsyncDisposable
{
    private DataPlaneProcess(HostProcess process, string dataDir, int proxyPort, int statusPort)
    {
        Process = process;
        DataDir = dataDir;
        ProxyPort = proxyPort;
        StatusPort = statusPort;
        Proxy = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxyPort}"), Timeout = TimeSpan.FromSeconds(30) };
        Status = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{statusPort}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public HostProcess Process { get; }
    public string DataDir { get; }
    public int ProxyPort { get; }
    public int StatusPort { get; }
    public HttpClient Proxy { get; }
    public HttpClient Status { get; }

    /// <summary>Starts a data plane with configuration in environment variables; does not wait for readiness.</summary>
    public static async Task<DataPlaneProcess> StartAsync(string dataDir, IDictionary<string, string> env, (int Proxy, int Status)? ports = null)
    {
        var (proxy, status) = ports ?? (FreePorts.Next(), FreePorts.Next());
        var all = new Dictionary<string, string>(env)
        {
            ["deployment__data_dir"] = dataDir,
            ["apisix__control__port"] = status.ToString(),
        };
        // Extra listeners (apisix__node_listen__1__port, ...) come from the caller; the proxy port is entry 0 then.
        var listed = env.Keys.Any(k => k.StartsWith("apisix__node_listen__", StringComparison.Ordinal));
        all[listed ? "apisix__node_listen__0__port" : "apisix__node_listen"] = proxy.ToString();
        File.WriteAllText(Path.Combine(dataDir, "none.yaml"), "# empty: everything from the environment\n");
        var process = HostProcess.Start(RepoPaths.DataPlaneDll, dataDir, ["--config", Path.Combine(dataDir, "none.yaml")], all);
        var dp = new DataPlaneProcess(process, dataDir, proxy, status);
        await process.WaitUntilAsync(async () => (await dp.Status.GetAsync("/healthz")).IsSuccessStatusCode, TimeSpan.FromSeconds(60), "the status port answered /healthz");
        return dp;
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        Proxy.Dispose();
        Status.Dispose();
    }
}
