using System.Net.Http.Headers;

namespace OrleansGateway.TestSupport;

/// <summary>A silo process on loopback ports with its own data folder, plus an HTTP client for its Admin API.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private SiloProcess(HostProcess process, string dataDir, int adminPort, int siloPort, int gatewayPort, HttpClient http)
    {
        Process = process;
        DataDir = dataDir;
        AdminPort = adminPort;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        Http = http;
    }

    public HostProcess Process { get; }
    public string DataDir { get; }
    public int AdminPort { get; }
    public int SiloPort { get; }
    public int GatewayPort { get; }
    public HttpClient Http { get; }

    /// <summary>The proxy port of the traditional role.</summary>
    public int ProxyPort { get; private init; }

    /// <summary>The proxy's status port of the traditional role.</summary>
    public int StatusPort { get; private init; }

    /// <summary>Starts a silo and waits until its Admin API answers /readyz.</summary>
    /// <param name="dataDir">Reuse to restart on the same state.</param>
    /// <param name="ports">(admin, silo, gateway) to reuse; fresh ones when null.</param>
    /// <param name="extraEnv">More configuration as environment variables (deployment__…).</param>
    /// <param name="waitReady">False: return as soon as the process is started (the caller watches it come up).</param>
    /// <param name="adminHandler">
    /// Makes the handlers of the Admin API clients: with <c>deployment__admin__https_admin=true</c> in
    /// <paramref name="extraEnv"/> they speak HTTPS, and must trust its certificate (and present one for mutual TLS).
    /// </param>
    public static async Task<SiloProcess> StartAsync(string dataDir, (int Admin, int Silo, int Gateway)? siloPorts = null, IDictionary<string, string>? extraEnv = null,
        (int Proxy, int Status)? ports = null, Func<HttpMessageHandler>? adminHandler = null, bool waitReady = true)
    {
        var (admin, silo, gateway) = siloPorts ?? (FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        var env = new Dictionary<string, string>
        {
            ["deployment__data_dir"] = dataDir,
            ["deployment__admin__admin_listen__port"] = admin.ToString(),
            ["deployment__orleans__silo_port"] = silo.ToString(),
            ["deployment__orleans__gateway_port"] = gateway.ToString(),
            // The traditional role also proxies: give it ports of its own, so silos started in parallel do not collide.
            ["apisix__node_listen"] = (ports?.Proxy ?? FreePorts.Next()).ToString(),
            ["apisix__control__port"] = (ports?.Status ?? FreePorts.Next()).ToString(),
        };
        foreach (var (k, v) in extraEnv ?? new Dictionary<string, string>())
        {
            env[k] = v;
        }
        File.WriteAllText(Path.Combine(dataDir, "none.yaml"), "# empty: everything from the environment\n");
        var process = HostProcess.Start(RepoPaths.SiloDll, dataDir, ["--config", Path.Combine(dataDir, "none.yaml")], env);
        var scheme = env.GetValueOrDefault("deployment__admin__https_admin") == "true" ? "https" : "http";
        var handler = adminHandler ?? (() => new HttpClientHandler());
        var http = new HttpClient(handler()) { BaseAddress = new Uri($"{scheme}://127.0.0.1:{admin}"), Timeout = TimeSpan.FromSeconds(30) };
        var result = new SiloProcess(process, dataDir, admin, silo, gateway, http)
        {
            AdminHandler = handler,
            ProxyPort = int.Parse(env["apisix__node_listen"]),
            StatusPort = int.Parse(env["apisix__control__port"]),
            ConfiguredKey = env.GetValueOrDefault("deployment__admin__admin_key__0__key"),
        };
        if (waitReady)
        {
            await process.WaitUntilAsync(async () => (await http.GetAsync("/readyz")).IsSuccessStatusCode, TimeSpan.FromSeconds(90), "the Admin API answered /readyz");
        }
        return result;
    }

    /// <summary>The configured admin key, or the generated one from the data folder.</summary>
    public string AdminKey => ConfiguredKey ?? File.ReadAllText(Path.Combine(DataDir, "admin_key")).Trim();

    private string? ConfiguredKey { get; init; }

    private Func<HttpMessageHandler> AdminHandler { get; init; } = () => new HttpClientHandler();

    /// <summary>A client that sends the admin key.</summary>
    public HttpClient AdminClient()
    {
        var client = new HttpClient(AdminHandler()) { BaseAddress = Http.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-API-KEY", AdminKey);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        Http.Dispose();
    }
}
