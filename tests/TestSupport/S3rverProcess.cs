using System.Diagnostics;
using System.Net.Sockets;

namespace OrleansGateway.TestSupport;

/// <summary>
/// A real S3-protocol server (the npm package s3rver, pinned in tests/s3rver and installed by scripts/test-deps.sh)
/// on a free loopback port, with the given buckets. Its credentials are s3rver's fixed S3RVER/S3RVER.
/// Stop/Start keep the data folder, to simulate an outage.
/// </summary>
public sealed class S3rverProcess : IAsyncDisposable
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private readonly string[] _buckets;
    private Process? _process;

    private S3rverProcess(string directory, int port, string[] buckets)
    {
        Directory = directory;
        Port = port;
        _buckets = buckets;
    }

    public string Directory { get; }

    public int Port { get; }

    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    /// <summary>Configuration of an S3 snapshot store on this server (for tests that read what a silo wrote).</summary>
    public OrleansGateway.Configuration.S3Config StoreConfig(string resourceBucket, string configBucket, string accessKey = AccessKey, string secretKey = SecretKey) => new()
    {
        AccessKey = accessKey,
        SecretKey = secretKey,
        ConfigBucket = configBucket,
        ResourceBucket = resourceBucket,
        Endpoint = Endpoint,
        UsePathStyle = true,
    };

    /// <summary>The environment that points a silo's <c>fallback_cp.aws_s3</c> at this server.</summary>
    public Dictionary<string, string> SiloEnvironment(string resourceBucket, string configBucket, string cronSpec, string accessKey = AccessKey, string secretKey = SecretKey) => new()
    {
        ["fallback_cp__aws_s3__access_key"] = accessKey,
        ["fallback_cp__aws_s3__secret_key"] = secretKey,
        ["fallback_cp__aws_s3__region"] = "ap-south-1",
        ["fallback_cp__aws_s3__config_bucket"] = configBucket,
        ["fallback_cp__aws_s3__resource_bucket"] = resourceBucket,
        ["fallback_cp__aws_s3__endpoint"] = Endpoint.ToString(),
        ["fallback_cp__cron_spec"] = cronSpec,
    };

    public static async Task<S3rverProcess> StartAsync(params string[] buckets)
    {
        var server = new S3rverProcess(RepoPaths.TempFolder("og-s3"), FreePorts.Next(), buckets);
        await server.StartAsync();
        return server;
    }

    public async Task StartAsync()
    {
        var script = Path.Combine(RepoPaths.Root, "tests", "s3rver", "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(script))
        {
            throw new FileNotFoundException("s3rver is not installed: run scripts/test-deps.sh (npm ci in tests/s3rver)", script);
        }
        var info = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { script, "-d", Directory, "-a", "127.0.0.1", "-p", Port.ToString(), "--silent" })
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var bucket in _buckets)
        {
            info.ArgumentList.Add("--configure-bucket");
            info.ArgumentList.Add(bucket);
        }
        _process = await HostProcess.StartServerAsync(info, "s3rver", async () =>
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port);
            return true;
        });
    }

    /// <summary>SIGKILL the server (an outage); <see cref="StartAsync"/> brings it back with the same data.</summary>
    public void Stop() => HostProcess.Kill(ref _process);

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }
}
