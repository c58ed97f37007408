using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace OrleansGateway.TestSupport;

/// <summary>
/// A real Redis server (Debian's redis-server, installed by scripts/test-deps.sh) on a free loopback port, nothing
/// persisted; or, with <see cref="StartClusterAsync"/>, a Redis Cluster of several such servers sharing the slots.
/// Stop/Start bring one down and back (an outage).
/// </summary>
public sealed class RedisProcess : IAsyncDisposable
{
    private readonly bool _cluster;
    private readonly string? _password;
    private Process? _process;

    private RedisProcess(int port, bool cluster, string? password)
    {
        Port = port;
        _cluster = cluster;
        _password = password;
        Directory = RepoPaths.TempFolder("og-redis");
    }

    public int Port { get; }

    public string Directory { get; }

    public string Address => $"127.0.0.1:{Port}";

    public static async Task<RedisProcess> StartAsync(string? password = null)
    {
        var server = new RedisProcess(FreePorts.Next(), cluster: false, password);
        await server.StartAsync();
        return server;
    }

    /// <summary>Three masters on loopback, the 16384 slots split between them, ready when the cluster says ok.</summary>
    public static async Task<IReadOnlyList<RedisProcess>> StartClusterAsync(int nodes = 3)
    {
        var servers = new List<RedisProcess>();
        for (var i = 0; i < nodes; i++)
        {
            var server = new RedisProcess(FreePorts.Next(), cluster: true, password: null);
            await server.StartAsync();
            servers.Add(server);
        }
        var create = await ExternalCommand.RunAsync("redis-cli",
            ["--cluster", "create", .. servers.Select(s => s.Address), "--cluster-replicas", "0", "--cluster-yes"], null, TimeSpan.FromSeconds(60));
        if (create.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli --cluster create failed: {create.Output}");
        }
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var ok = true;
            foreach (var server in servers)
            {
                ok &= (await server.CommandAsync("CLUSTER", "INFO")).Contains("cluster_state:ok", StringComparison.Ordinal);
            }
            if (ok)
            {
                return servers;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException("the Redis cluster did not reach cluster_state:ok within 30 s");
    }

    public async Task StartAsync()
    {
        var info = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        var args = new List<string> { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", Directory };
        if (_cluster)
        {
            args.AddRange(["--cluster-enabled", "yes", "--cluster-config-file", Path.Combine(Directory, "nodes.conf"), "--cluster-node-timeout", "2000"]);
        }
        if (_password is not null)
        {
            args.AddRange(["--requirepass", _password]);
        }
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        _process = await HostProcess.StartServerAsync(info, "redis-server",
            async () => (await CommandAsync("PING")) is var reply && (reply.Contains("PONG", StringComparison.Ordinal) || _password is not null));
    }

    /// <summary>Sends one command in Redis's inline protocol and returns the raw reply (for checks and set-up).</summary>
    public async Task<string> CommandAsync(params string[] words)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", Port);
        var stream = client.GetStream();
        var request = new StringBuilder();
        if (_password is not null)
        {
            request.Append(Resp("AUTH", _password));
        }
        request.Append(Resp(words));
        var bytes = Encoding.UTF8.GetBytes(request.ToString());
        await stream.WriteAsync(bytes);
        var buffer = new byte[64 * 1024];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var read = 0;
        var expected = _password is null ? 1 : 2;
        var text = "";
        // Read until every reply arrived (a reply ends with CRLF; bulk replies hold their length).
        while (!cts.IsCancellationRequested)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), cts.Token);
            if (n == 0)
            {
                break;
            }
            read += n;
            text = Encoding.UTF8.GetString(buffer, 0, read);
            if (Complete(text, expected))
            {
                break;
            }
        }
        return _password is null ? text : text[(text.IndexOf("\r\n", StringComparison.Ordinal) + 2)..];
    }

    private static string Resp(params string[] words)
    {
        var text = new StringBuilder($"*{words.Length}\r\n");
        foreach (var word in words)
        {
            text.Append($"${Encoding.UTF8.GetByteCount(word)}\r\n{word}\r\n");
        }
        return text.ToString();
    }

    /// <summary>Whether <paramref name="text"/> holds <paramref name="replies"/> whole simple, integer, error or bulk replies.</summary>
    private static bool Complete(string text, int replies)
    {
        var at = 0;
        for (var i = 0; i < replies; i++)
        {
            var end = text.IndexOf("\r\n", at, StringComparison.Ordinal);
            if (end < 0)
            {
                return false;
            }
            if (text[at] == '$' && int.TryParse(text.AsSpan(at + 1, end - at - 1), out var length) && length >= 0)
            {
                end = text.IndexOf("\r\n", end + 2 + length, StringComparison.Ordinal);
                if (end < 0)
                {
                    return false;
                }
            }
            at = end + 2;
        }
        return true;
    }

    /// <summary>SIGKILL the server (an outage); <see cref="StartAsync"/> brings it back, empty.</summary>
    public void Stop() => HostProcess.Kill(ref _process);

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }
}
