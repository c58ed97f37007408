using System.Collections;

namespace OrleansGateway.DataPlane.Routing;

/// <summary>
/// An immutable string-keyed map split into shards, so that a new version differing in a few keys copies only the
/// shards those keys fall in. A plain dictionary of 10,000 entries is one array on the large-object heap, and copying
/// it per configuration change made every change a full (gen 2) collection; shards stay small (a few hundred
/// entries at 100,000 keys) and unchanged shards are shared between versions. Lookups take spans and allocate nothing.
/// </summary>
public sealed class ShardedMap<T> : IReadOnlyCollection<T>
{
    private const int ShardCount = 256;

    private readonly Dictionary<string, T>?[] _shards;

    private ShardedMap(Dictionary<string, T>?[] shards, int count)
    {
        _shards = shards;
        Count = count;
    }

    public static ShardedMap<T> Empty { get; } = new(new Dictionary<string, T>?[ShardCount], 0);

    /// <summary>The number of entries.</summary>
    public int Count { get; }

    private static int ShardOf(ReadOnlySpan<char> key) => (int)((uint)string.GetHashCode(key) % ShardCount);

    public bool TryGetValue(ReadOnlySpan<char> key, out T value)
    {
        if (_shards[ShardOf(key)] is { } shard && shard.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(key, out value!))
        {
            return true;
        }
        value = default!;
        return false;
    }

    public T? GetValueOrDefault(string key) => TryGetValue(key, out var value) ? value : default;

    public T this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException(key);

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    /// <summary>The values, in no particular order.</summary>
    public IEnumerable<T> Values => this;

    /// <summary>The keys, in no particular order.</summary>
    public IEnumerable<string> Keys => _shards.Where(s => s is not null).SelectMany(s => s!.Keys);

    public IEnumerator<T> GetEnumerator()
    {
        foreach (var shard in _shards)
        {
            if (shard is null)
            {
                continue;
            }
            foreach (var value in shard.Values)
            {
                yield return value;
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>A builder starting from this map; only the shards it changes are copied.</summary>
    public Builder ToBuilder() => new(this);

    public static ShardedMap<T> From(IEnumerable<KeyValuePair<string, T>> entries)
    {
        var builder = Empty.ToBuilder();
        foreach (var (key, value) in entries)
        {
            builder[key] = value;
        }
        return builder.Build();
    }

    /// <summary>Collects changes to a map, copying each touched shard once.</summary>
    public sealed class Builder
    {
        private readonly Dictionary<string, T>?[] _shards;
        private readonly bool[] _owned = new bool[ShardCount];
        private int _count;

        internal Builder(ShardedMap<T> from)
        {
            _shards = (Dictionary<string, T>?[])from._shards.Clone();
            _count = from.Count;
        }

        public T this[string key]
        {
            set
            {
                var shard = Writable(key);
                if (shard.TryAdd(key, value))
                {
                    _count++;
                }
                else
                {
                    shard[key] = value;
                }
            }
        }

        public bool TryGetValue(string key, out T value)
        {
            if (_shards[ShardOf(key)] is { } shard && shard.TryGetValue(key, out value!))
            {
                return true;
            }
            value = default!;
            return false;
        }

        public bool Remove(string key, out T value)
        {
            var index = ShardOf(key);
            if (_shards[index] is not { } shard || !shard.ContainsKey(key))
            {
                value = default!;
                return false;
            }
            Writable(key).Remove(key, out value!);
            _count--;
            return true;
        }

        public bool Remove(string key) => Remove(key, out _);

        private Dictionary<string, T> Writable(string key)
        {
            var index = ShardOf(key);
            if (!_owned[index])
            {
                _shards[index] = _shards[index] is { } shared
                    ? new Dictionary<string, T>(shared, StringComparer.Ordinal)
                    : new Dictionary<string, T>(StringComparer.Ordinal);
                _owned[index] = true;
            }
            return _shards[index]!;
        }

        /// <summary>The map as built so far; the builder may go on (what it touches next is copied again).</summary>
        public ShardedMap<T> Build()
        {
            Array.Clear(_owned);
            return new ShardedMap<T>((Dictionary<string, T>?[])_shards.Clone(), _count);
        }
    }
}
