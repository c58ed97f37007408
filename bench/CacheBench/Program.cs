using System.Diagnostics;
using System.Globalization;
using System.Text;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.DataPlane.Proxy;
using OrleansGateway.DataPlane.Sources;

// Usage: CacheBench [--routes 100000] [--changes 300]
// A group of N routes is built in-process; then single-route changes are applied one by one, and each version is
// persisted twice, alternately: by the local cache (a journal record, compaction included) and as a whole-group
// checkpoint (what every version cost before the journal). Medians, p99 and bytes per change.
var routes = int.Parse(Arg("--routes", "100000"), CultureInfo.InvariantCulture);
var changes = int.Parse(Arg("--changes", "300"), CultureInfo.InvariantCulture);
var root = Directory.CreateTempSubdirectory("og-cachebench-").FullName;
try
{
    var json = new StringBuilder("""{"upstreams":[{"id":"u","nodes":{"127.0.0.1:1":1}}],"routes":[""");
    for (var i = 0; i < routes; i++)
    {
        json.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture, $$"""{"id":"r{{i}}","uri":"/r/{{i}}","upstream_id":"u"}""");
    }
    json.Append("]}");
    var config = ProxyConfig.Build(json.ToString(), 1, "control_plane", DateTimeOffset.UtcNow);
    var journal = new LocalConfigCache(Path.Combine(root, "journal"), "g");
    journal.Write(config);
    var journalTimes = new List<double>();
    var fullTimes = new List<double>();
    long journalBytes = journal.BytesWritten, fullBytes = 0;
    for (var i = 0; i < changes; i++)
    {
        var version = config.Version + 1;
        var change = new ChangeSet("g", config.Version, version, false,
            [new StoredResource(ResourceKind.Route, $"c{i}", $$"""{"id":"c{{i}}","uri":"/c/{{i}}","upstream_id":"u"}""", version, version)], [], false);
        config = config.WithChanges(change, "control_plane", DateTimeOffset.UtcNow);

        var started = Stopwatch.GetTimestamp();
        journal.Write(config);
        journalTimes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);

        var full = new LocalConfigCache(Path.Combine(root, "full"), "g"); // a new instance's first write is a checkpoint
        started = Stopwatch.GetTimestamp();
        full.Write(config);
        fullTimes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        fullBytes += full.BytesWritten;
    }
    journalBytes = journal.BytesWritten - journalBytes;
    // What a restart pays: the checkpoint, then every journaled change applied again.
    var read = Stopwatch.StartNew();
    var restored = journal.TryRead(DateTimeOffset.UtcNow, out var problem) ?? throw new InvalidOperationException(problem);
    var readMs = read.Elapsed.TotalMilliseconds;
    var checkpointOnly = new LocalConfigCache(Path.Combine(root, "full"), "g");
    read.Restart();
    _ = checkpointOnly.TryRead(DateTimeOffset.UtcNow, out _);
    var fullReadMs = read.Elapsed.TotalMilliseconds;
    if (restored.Version != config.Version)
    {
        throw new InvalidOperationException($"read back version {restored.Version}, wrote {config.Version}");
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"cache routes={routes} changes={changes} journal_p50_ms={P(journalTimes, 0.5):F2} journal_p99_ms={P(journalTimes, 0.99):F2} journal_bytes_per_change={journalBytes / changes} " +
        $"full_p50_ms={P(fullTimes, 0.5):F1} full_p99_ms={P(fullTimes, 0.99):F1} full_bytes_per_change={fullBytes / changes} " +
        $"read_with_journal_ms={readMs:F0} read_checkpoint_only_ms={fullReadMs:F0}"));
}
finally
{
    Directory.Delete(root, recursive: true);
}
return 0;

static double P(List<double> values, double q)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * q))];
}

string Arg(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
