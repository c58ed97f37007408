using System.Diagnostics;
using System.Text;

namespace OrleansGateway.TestSupport;

/// <summary>
/// Runs a Node.js script of tests/browser (playwright-core driving Debian's Chromium, both installed by
/// scripts/test-deps.sh) with the given environment, bounded in time: on timeout the process this started is killed,
/// by its PID, with its children (the browser).
/// </summary>
public static class NodeScript
{
    public const string Chromium = "/usr/bin/chromium";

    public sealed record Result(int ExitCode, string Output, bool TimedOut);

    public static async Task<Result> RunAsync(string script, IDictionary<string, string> env, TimeSpan timeout)
    {
        var folder = Path.Combine(RepoPaths.Root, "tests", "browser");
        if (!File.Exists(Path.Combine(folder, "node_modules", "playwright-core", "package.json")) || !File.Exists(Chromium))
        {
            throw new FileNotFoundException($"playwright-core or {Chromium} is not installed: run scripts/test-deps.sh", folder);
        }
        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(folder, script));
        foreach (var (key, value) in env)
        {
            info.Environment[key] = value;
        }
        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        HostProcess.Track(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            return new Result(-1, Read(output), TimedOut: true);
        }
        process.WaitForExit(); // drains the redirected output
        return new Result(process.ExitCode, Read(output), TimedOut: false);
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string Read(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
