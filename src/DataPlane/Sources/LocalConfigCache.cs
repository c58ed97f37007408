using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansGateway.DataPlane.Proxy;

namespace OrleansGateway.DataPlane.Sources;

/// <summary>
/// The configuration the data plane applied, kept in its data directory so that a data plane restarted with the
/// control plane and S3 both gone still serves it. Written in proportion to the change: a version made from the
/// previous one by a change set (<see cref="ProxyConfig.Delta"/>) is one record appended to a journal
/// (<see cref="CacheJournal"/>, flushed to disk); a full load, the first write of a process, and a journal grown as
/// large as the checkpoint write the whole group as a new checkpoint (temporary file, flushed, renamed) and start a
/// new journal. A crash at any point leaves the last whole version readable: a torn journal record is ignored, and a
/// journal that does not continue the checkpoint on disk is not read.
/// </summary>
public sealed class LocalConfigCache(string dataDir, string group)
{
    /// <summary>The checkpoint: the whole group at one version.</summary>
    public string Path { get; } = System.IO.Path.GetFullPath(System.IO.Path.Combine(dataDir, $"config-cache-{group}.json"));

    /// <summary>The journal: the change sets applied since the checkpoint.</summary>
    public string JournalPath => System.IO.Path.ChangeExtension(Path, ".journal");

    private readonly ConcurrentQueue<ProxyConfig> _queue = new();
    private int _writing;
    private readonly Lock _fileLock = new();
    private long _writtenVersion = -1;
    private FileStream? _journal;
    private long _checkpointBytes;

    /// <summary>The least time between two checkpoints (journal records are never held back).</summary>
    public TimeSpan MinInterval { get; init; } = TimeSpan.Zero;

    /// <summary>False: nothing is written or read (the proxy inside a silo).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// Rest after a checkpoint, as a multiple of how long it took: a group of 100,000 routes (~13 MB, a few hundred ms)
    /// that keeps arriving whole (repeated full loads) takes at most about a fifth of a core. Versions that arrive
    /// meanwhile are folded into one checkpoint of the newest.
    /// </summary>
    public double RestFactor { get; init; } = 4;

    /// <summary>The journal is compacted into a checkpoint once it holds this many bytes, or the checkpoint's size if larger.</summary>
    public long CompactAfterBytes { get; init; } = 1 << 20;

    /// <summary>Bytes written so far, checkpoints and journal records (for the benchmark and the tests).</summary>
    public long BytesWritten { get; private set; }

    /// <summary>
    /// Writes <paramref name="config"/> in the background, after every version scheduled before it (the proxy never
    /// waits for the disk).
    /// </summary>
    public void Schedule(ProxyConfig config, ILogger logger)
    {
        if (!Enabled)
        {
            return;
        }
        _queue.Enqueue(config);
        StartWriter(logger);
    }

    private void StartWriter(ILogger logger)
    {
        if (Interlocked.CompareExchange(ref _writing, 1, 0) != 0)
        {
            return;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                while (!_queue.IsEmpty)
                {
                    var rest = WriteQueued(logger);
                    if (rest > TimeSpan.Zero && rest < MinInterval)
                    {
                        rest = MinInterval;
                    }
                    if (rest >= TimeSpan.FromMilliseconds(1))
                    {
                        await Task.Delay(rest);
                    }
                }
            }
            finally
            {
                Volatile.Write(ref _writing, 0);
                if (!_queue.IsEmpty)
                {
                    StartWriter(logger);
                }
            }
        });
    }

    /// <summary>Writes what is queued now; returns how long to rest (after a checkpoint).</summary>
    private TimeSpan WriteQueued(ILogger logger)
    {
        var batch = Drain();
        try
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            return Write(batch) ? System.Diagnostics.Stopwatch.GetElapsedTime(started) * RestFactor : TimeSpan.Zero;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Could not write the local configuration cache {Path}: {Message}", Path, e.Message);
            CloseJournal(); // the next write starts from a checkpoint
            return TimeSpan.Zero;
        }
    }

    /// <summary>Writes versions still waiting for their turn now (at shutdown).</summary>
    public void Flush()
    {
        Write(Drain());
    }

    /// <summary>Every version queued so far, in the order applied.</summary>
    private List<ProxyConfig> Drain()
    {
        var batch = new List<ProxyConfig>();
        while (_queue.TryDequeue(out var next))
        {
            batch.Add(next);
        }
        return batch;
    }

    /// <summary>Writes <paramref name="config"/> unless a newer one is already on disk.</summary>
    public void Write(ProxyConfig config) => Write([config]);

    /// <summary>
    /// Writes <paramref name="batch"/> (in the order applied): as journal records while each continues the version on
    /// disk, otherwise as one checkpoint of the newest. True when a checkpoint was written.
    /// </summary>
    private bool Write(List<ProxyConfig> batch)
    {
        lock (_fileLock)
        {
            var records = new List<byte[]>();
            var journalVersion = _writtenVersion;
            var journalBytes = _journal?.Length ?? 0;
            foreach (var config in batch)
            {
                if (config.Version <= journalVersion)
                {
                    continue; // never an older version over a newer one
                }
                if (_journal is null || config.Delta is not { } delta || delta.FromVersion != journalVersion ||
                    journalBytes > Math.Max(CompactAfterBytes, _checkpointBytes))
                {
                    WriteCheckpoint(batch[^1].Version > journalVersion ? batch[^1] : config);
                    return true;
                }
                var record = CacheJournal.Record(delta);
                records.Add(record);
                journalBytes += record.Length;
                journalVersion = config.Version;
            }
            if (records.Count > 0)
            {
                foreach (var record in records)
                {
                    _journal!.Write(record);
                    BytesWritten += record.Length;
                }
                _journal!.Flush(flushToDisk: true);
                _writtenVersion = journalVersion;
            }
            return false;
        }
    }

    private void WriteCheckpoint(ProxyConfig config)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        CloseJournal();
        var temp = Path + ".tmp";
        File.Delete(temp); // created afresh, so that the permissions below apply
        // Readable by this user only: it holds the keyring that opens the encrypted secrets.
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temp, options))
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("group", group);
            writer.WriteNumber("version", config.Version);
            writer.WriteString("source", config.Source);
            writer.WritePropertyName("resources");
            config.Resources.WriteStandalone(writer);
            // The instance configuration, whose keyring opens the encrypted secrets of the resources above.
            writer.WritePropertyName("config");
            writer.WriteRawValue(config.Resources.ConfigJson, skipInputValidation: true);
            writer.WriteEndObject();
            writer.Flush();
            stream.Flush(flushToDisk: true);
            _checkpointBytes = stream.Length;
        }
        File.Move(temp, Path, overwrite: true);
        // A new journal for this checkpoint, in place of the old one only once it is whole: until then the old
        // journal names the old checkpoint's version and is not read.
        var journalTemp = JournalPath + ".tmp";
        using (var stream = new FileStream(journalTemp, FileMode.Create, FileAccess.Write))
        {
            stream.Write(CacheJournal.Header(group, config.Version));
            stream.Flush(flushToDisk: true);
        }
        File.Move(journalTemp, JournalPath, overwrite: true);
        _journal = new FileStream(JournalPath, FileMode.Append, FileAccess.Write, FileShare.Read);
        BytesWritten += _checkpointBytes + _journal.Length;
        _writtenVersion = config.Version;
    }

    private void CloseJournal()
    {
        _journal?.Dispose();
        _journal = null;
    }

    /// <summary>
    /// The cached configuration (the checkpoint with the journal's change sets applied), or null when there is none or
    /// the checkpoint is unreadable (then it is ignored).
    /// </summary>
    public ProxyConfig? TryRead(DateTimeOffset now, out string? problem)
    {
        problem = null;
        if (!Enabled || !File.Exists(Path))
        {
            return null;
        }
        ProxyConfig config;
        try
        {
            var json = JsonNode.Parse(File.ReadAllText(Path))!.AsObject();
            if (json["group"]?.GetValue<string>() != group)
            {
                problem = $"cache {Path} belongs to group {json["group"]}, not {group}";
                return null;
            }
            config = ProxyConfig.Build(json["resources"]!.ToJsonString(), json["version"]!.GetValue<long>(), "cache", now,
                configJson: json["config"]?.ToJsonString() ?? "{}");
        }
        catch (Exception e) when (e is JsonException or IOException or InvalidOperationException or NullReferenceException or FormatException)
        {
            problem = $"cache {Path} is unreadable: {e.Message}";
            return null;
        }
        try
        {
            if (File.Exists(JournalPath))
            {
                foreach (var changes in CacheJournal.Read(File.ReadAllBytes(JournalPath), group, config.Version))
                {
                    if (changes.FromVersion != config.Version)
                    {
                        break;
                    }
                    config = config.WithChanges(changes, "cache", now);
                }
            }
        }
        catch (Exception e) when (e is JsonException or IOException or InvalidOperationException or NullReferenceException or FormatException)
        {
            // The checkpoint, and the records before the bad one, stand; the version reached so far is served.
            problem = $"cache journal {JournalPath} is unreadable past version {config.Version}: {e.Message}";
        }
        return config;
    }
}
