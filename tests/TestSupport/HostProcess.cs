using System.Diagnostics;
using System.Text;

namespace OrleansGateway.TestSupport;

/// <summary>
/// A real host process (silo or data plane) started with <c>dotnet &lt;dll&gt;</c>. Output is kept for assertions and
/// for the test log on failure. <see cref="Kill"/> is SIGKILL, to the PID this object started, and nothing else.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    /// <summary>Every process the tests started; whatever is still running when the test run ends is killed.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, Process> Started = new();

    static HostProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAllStarted();
    }

    /// <summary>Registers a process the tests started (also s3rver), so that a failed test cannot leak it.</summary>
    public static void Track(Process process) => Started[process.Id] = process;

    /// <summary>
    /// Starts a server the tests need (s3rver, redis-server), tracked and its output drained, and waits until
    /// <paramref name="ready"/> holds (30 s at most); throws, naming <paramref name="what"/>, when it exits or does not get ready.
    /// </summary>
    public static async Task<Process> StartServerAsync(ProcessStartInfo info, string what, Func<Task<bool>> ready)
    {
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{what} did not start: run scripts/test-deps.sh");
        Track(process);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{what} exited with {process.ExitCode}");
            }
            try
            {
                if (await ready())
                {
                    return process;
                }
            }
            catch (System.Net.Sockets.SocketException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{what} did not answer within 30 s");
    }

    /// <summary>SIGKILLs a server the tests started (an outage), waits for it to go, and forgets it.</summary>
    public static void Kill(ref Process? process)
    {
        if (process is { HasExited: false })
        {
            process.Kill();
            process.WaitForExit(10_000);
        }
        process?.Dispose();
        process = null;
    }

    private static void KillAllStarted()
    {
        foreach (var process in Started.Values)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill();
                }
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
            }
        }
    }

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private HostProcess(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static HostProcess Start(string dll, string workingDirectory, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var host = new HostProcess(process);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.Start();
        Track(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>Waits until <paramref name="ready"/> holds, failing early (with the output) if the process exits.</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> ready, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"process {Pid} exited with {_process.ExitCode} before {what}:\n{Output}");
            }
            try
            {
                if (await ready())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"process {Pid}: {what} did not happen within {timeout}:\n{Output}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>
    /// SIGTERM: the host's graceful shutdown (stops listening, flushes), as an operator's restart does; SIGKILL when
    /// it has not exited within <paramref name="timeout"/>.
    /// </summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return;
        }
        _ = SendSignal(_process.Id, 15);
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    /// <summary>SIGKILL: no shutdown hooks, no flushing — what a crash looks like.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
            _process.WaitForExit(10_000);
        }
    }

    private bool _disposed;

    public ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            Kill();
            _process.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}
