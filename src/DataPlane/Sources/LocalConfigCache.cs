using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansGateway.DataPlane.Proxy;

namespace OrleansGateway.DataPlane.Sources;

/// <summary>
/// The last applied configuration, kept in the data directory (written to a temporary file, flushed, renamed), so
/// that a data plane restarted with the control plane and S3 both gone still serves it.
/// </summary>
public sealed class LocalConfigCache(string dataDir, string group)
{
    public string Path { get; } = System.IO.Path.GetFullPath(System.IO.Path.Combine(dataDir, $"config-cache-{group}.json"));

    private ProxyConfig? _pending;
    private int _writing;
    private long _writtenVersion = -1;
    private readonly Lock _fileLock = new();

    /// <summary>
    /// The least time between two writes. Each write is the whole group, so the writer also rests
    /// <see cref="RestFactor"/> times as long as its last write took: a small group is written at every version (a
    /// crashed DP restarts at the version it served), a group of 100,000 routes (~13 MB, a few hundred ms) at most
    /// every second or so, and the cache never takes more than about a fifth of a core however fast changes come.
    /// Versions that arrive meanwhile are folded into one write of the newest.
    /// </summary>
    public TimeSpan MinInterval { get; init; } = TimeSpan.Zero;

    /// <summary>False: nothing is written or read (the proxy inside a silo).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Rest after a write, as a multiple of how long that write took.</summary>
    public double RestFactor { get; init; } = 4;

    /// <summary>
    /// Writes <paramref name="config"/> in the background: at once when the writer is idle, else folded into the
    /// next write (the proxy never waits for the disk).
    /// </summary>
    public void Schedule(ProxyConfig config, ILogger logger)
    {
        if (!Enabled)
        {
            return;
        }
        Volatile.Write(ref _pending, config);
        if (Interlocked.CompareExchange(ref _writing, 1, 0) != 0)
        {
            return;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                while (Interlocked.Exchange(ref _pending, null) is { } next)
                {
                    var started = System.Diagnostics.Stopwatch.GetTimestamp();
                    Write(next);
                    var rest = System.Diagnostics.Stopwatch.GetElapsedTime(started) * RestFactor;
                    if (rest < MinInterval)
                    {
                        rest = MinInterval;
                    }
                    if (rest >= TimeSpan.FromMilliseconds(1))
                    {
                        await Task.Delay(rest);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning("Could not write the local configuration cache {Path}: {Message}", Path, e.Message);
            }
            finally
            {
                Volatile.Write(ref _writing, 0);
                if (Volatile.Read(ref _pending) is { } late)
                {
                    Schedule(late, logger);
                }
            }
        });
    }

    /// <summary>Writes a configuration still waiting for its turn now (at shutdown).</summary>
    public void Flush()
    {
        if (Interlocked.Exchange(ref _pending, null) is { } next)
        {
            Write(next);
        }
    }

    /// <summary>Writes <paramref name="config"/> unless a newer one is already on disk.</summary>
    public void Write(ProxyConfig config)
    {
        lock (_fileLock)
        {
            if (config.Version <= _writtenVersion)
            {
                return;
            }
            WriteFile(config);
            _writtenVersion = config.Version;
        }
    }

    private void WriteFile(ProxyConfig config)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var temp = Path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("group", group);
            writer.WriteNumber("version", config.Version);
            writer.WriteString("source", config.Source);
            writer.WritePropertyName("resources");
            config.Resources.WriteStandalone(writer);
            writer.WriteEndObject();
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, Path, overwrite: true);
    }

    /// <summary>The cached configuration, or null when there is none or it is unreadable (then it is ignored).</summary>
    public ProxyConfig? TryRead(DateTimeOffset now, out string? problem)
    {
        problem = null;
        if (!Enabled || !File.Exists(Path))
        {
            return null;
        }
        try
        {
            var json = JsonNode.Parse(File.ReadAllText(Path))!.AsObject();
            if (json["group"]?.GetValue<string>() != group)
            {
                problem = $"cache {Path} belongs to group {json["group"]}, not {group}";
                return null;
            }
            return ProxyConfig.Build(json["resources"]!.ToJsonString(), json["version"]!.GetValue<long>(), "cache", now);
        }
        catch (Exception e) when (e is JsonException or IOException or InvalidOperationException or NullReferenceException or FormatException)
        {
            problem = $"cache {Path} is unreadable: {e.Message}";
            return null;
        }
    }
}
