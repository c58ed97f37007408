using OrleansGateway.Contracts.Resources;
using OrleansGateway.Grains.Storage;

namespace OrleansGateway.Grains.Groups;

/// <summary>
/// The newest change log entries of a group, held in memory (the store keeps the same tail durably).
/// Answers "what changed since version N" while N is still covered; otherwise the reader must reload.
/// </summary>
internal sealed class ChangeLog(int capacity)
{
    private readonly LinkedList<ChangeRecord> _entries = new();

    public int Capacity { get; } = capacity;

    public int Count => _entries.Count;

    public void Load(IEnumerable<ChangeRecord> entries)
    {
        _entries.Clear();
        foreach (var entry in entries.OrderBy(e => e.Version))
        {
            _entries.AddLast(entry);
        }
    }

    public void Append(IEnumerable<ChangeRecord> entries)
    {
        foreach (var entry in entries)
        {
            _entries.AddLast(entry);
        }
        // Drop whole versions from the head so that a covered version is always complete.
        while (_entries.Count > Capacity && _entries.First is { } first)
        {
            var version = first.Value.Version;
            while (_entries.First is { } head && head.Value.Version == version)
            {
                _entries.RemoveFirst();
            }
        }
    }

    /// <summary>
    /// The keys changed after <paramref name="since"/> up to <paramref name="current"/>; null when the log does not
    /// reach back that far or a reset happened in between (the reader must load everything).
    /// </summary>
    public ChangedKeys? Since(long since, long current)
    {
        var changed = new ChangedKeys();
        if (since >= current)
        {
            return changed;
        }
        if (_entries.First is null || _entries.First.Value.Version > since + 1)
        {
            return null;
        }
        for (var node = _entries.Last; node is not null && node.Value.Version > since; node = node.Previous)
        {
            var entry = node.Value;
            switch (entry.Change)
            {
                case ChangeKind.Reset:
                    return null;
                case ChangeKind.Config:
                    changed.ConfigChanged = true;
                    break;
                default:
                    changed.Keys.Add(new ResourceKey(entry.Kind, entry.Id));
                    break;
            }
        }
        return changed;
    }

    internal sealed class ChangedKeys
    {
        public HashSet<ResourceKey> Keys { get; } = [];
        public bool ConfigChanged { get; set; }
    }
}
