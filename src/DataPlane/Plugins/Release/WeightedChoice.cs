namespace OrleansGateway.DataPlane.Plugins.Release;

/// <summary>
/// Smooth weighted round robin over a few choices: over any window of total-weight picks each is chosen in proportion
/// to its weight; weight 0 is never chosen unless every weight is 0 (then the first). Thread-safe.
/// </summary>
public sealed class WeightedChoice<T>
{
    private readonly T[] _items;
    private readonly int[] _weights;
    private readonly int[] _current;
    private readonly int _total;
    private readonly Lock _lock = new();

    public WeightedChoice(IReadOnlyList<(T Item, int Weight)> choices)
    {
        _items = choices.Select(c => c.Item).ToArray();
        _weights = choices.Select(c => Math.Max(0, c.Weight)).ToArray();
        _current = new int[_items.Length];
        _total = _weights.Sum();
    }

    public T Next()
    {
        if (_total == 0 || _items.Length == 1)
        {
            return _items[0];
        }
        lock (_lock)
        {
            var best = -1;
            for (var i = 0; i < _items.Length; i++)
            {
                if (_weights[i] == 0)
                {
                    continue;
                }
                _current[i] += _weights[i];
                if (best < 0 || _current[i] > _current[best])
                {
                    best = i;
                }
            }
            _current[best] -= _total;
            return _items[best];
        }
    }
}
