using System.Diagnostics;
using System.Text;

namespace OrleansGateway.TestSupport;

/// <summary>
/// A command (a script of the repository, docker-compose) run to completion in the repository root, with its output.
/// When it outlives its timeout it is killed with the processes it started, and the test fails with the output so far.
/// </summary>
public static class ExternalCommand
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit code {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
    }

    /// <param name="environment">Added to the test's environment; a null value removes the variable.</param>
    /// <param name="workingDirectory">Default: the repository root.</param>
    public static async Task<Result> RunAsync(string fileName, IEnumerable<string> args, IDictionary<string, string?>? environment, TimeSpan timeout, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory ?? RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }
        using var process = new Process { StartInfo = info };
        var output = new StringBuilder();
        var error = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(error, e.Data);
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
            throw new TimeoutException($"{fileName} {string.Join(' ', info.ArgumentList)} did not finish within {timeout}:\n{Text(output)}\n{Text(error)}");
        }
        return new Result(process.ExitCode, Text(output), Text(error));
    }

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (builder)
        {
            builder.AppendLine(line);
        }
    }

    private static string Text(StringBuilder builder)
    {
        lock (builder)
        {
            return builder.ToString();
        }
    }
}
