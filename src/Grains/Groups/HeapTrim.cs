using System.Diagnostics;
using System.Runtime;
using Microsoft.Extensions.Logging;

namespace OrleansGateway.Grains.Groups;

/// <summary>
/// One compacting, decommitting garbage collection shortly after an operation that left a large heap of garbage: a
/// bulk import or a restore parses the whole group into JSON nodes (about 20 times the size of its JSON), and loading
/// a large group from the store is similar. The background collections of workstation GC free that garbage but do not
/// compact it: measured with 100,000 routes, 270 MB of generation 2 stayed free but committed, and the silo's RSS
/// stayed near 700 MB for a group whose live heap is a fraction of it. Requests within the delay share one collection.
/// </summary>
internal static class HeapTrim
{
    /// <summary>Groups below this size leave too little garbage to be worth a blocking collection.</summary>
    public const int MinResources = 5_000;

    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(2);
    private static int _pending;

    /// <summary>Asks for the collection after <paramref name="what"/> over <paramref name="resources"/> resources; logs what it took and freed.</summary>
    public static void After(int resources, string what, ILogger logger)
    {
        if (resources < MinResources || Interlocked.Exchange(ref _pending, 1) == 1)
        {
            return;
        }
        _ = Task.Run(async () =>
        {
            await Task.Delay(Delay);
            Volatile.Write(ref _pending, 0);
            var committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
            var started = Stopwatch.GetTimestamp();
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            var info = GC.GetGCMemoryInfo();
            logger.LogInformation("Compacted the heap after {What} of {Resources} resources in {Ms:F0} ms: committed {Before} MB -> {After} MB, live {Live} MB",
                what, resources, Stopwatch.GetElapsedTime(started).TotalMilliseconds, committed >> 20, info.TotalCommittedBytes >> 20, info.HeapSizeBytes >> 20);
        });
    }
}
