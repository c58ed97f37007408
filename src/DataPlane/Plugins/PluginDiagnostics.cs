using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// Where plugins report what an operator must know (a Redis that does not answer, a logger's sink that refuses): one
/// warning line per plugin and kind of trouble every 30 s at most, so a failing dependency cannot flood the log. No
/// secrets go in the message.
/// </summary>
public static class PluginDiagnostics
{
    private static readonly ConcurrentDictionary<string, long> LastWarned = new(StringComparer.Ordinal);
    private static ILogger _logger = NullLogger.Instance;

    /// <summary>Set once by the host.</summary>
    public static void Use(ILoggerFactory factory) => _logger = factory.CreateLogger("OrleansGateway.DataPlane.Plugins");

    public static void Warn(string plugin, string kind, string message)
    {
        var now = Environment.TickCount64;
        var key = $"{plugin}|{kind}";
        if (LastWarned.TryGetValue(key, out var last) && now - last < 30_000)
        {
            return;
        }
        LastWarned[key] = now;
        _logger.LogWarning("Plugin {Plugin}: {Message}", plugin, message);
    }
}
