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
        try
        {
            var result = await ExternalCommand.RunAsync("node", [Path.Combine(folder, script)],
                env.ToDictionary(kv => kv.Key, kv => (string?)kv.Value), timeout, workingDirectory: folder);
            return new Result(result.ExitCode, result.Output + result.Error, TimedOut: false);
        }
        catch (TimeoutException e)
        {
            // ExternalCommand killed the script and the browser it started.
            return new Result(-1, e.Message, TimedOut: true);
        }
    }
}
