using System.Diagnostics.Metrics;

namespace OrleansGateway.TestSupport;

/// <summary>
/// Listens to one <see cref="Meter"/> instance (not to others of the same name in this process, so tests can run in
/// parallel) and returns what its instruments report.
/// </summary>
public sealed class MeterRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<(string Instrument, double Value, IReadOnlyDictionary<string, string?> Tags)> _measurements = [];

    public MeterRecorder(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Add(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
        _listener.Start();
    }

    /// <summary>What the synchronous instrument <paramref name="instrument"/> recorded so far.</summary>
    public IReadOnlyList<(double Value, IReadOnlyDictionary<string, string?> Tags)> Recorded(string instrument)
    {
        lock (_measurements)
        {
            return _measurements.Where(m => m.Instrument == instrument).Select(m => (m.Value, m.Tags)).ToList();
        }
    }

    /// <summary>Reads the observable instrument <paramref name="instrument"/> now.</summary>
    public IReadOnlyList<(double Value, IReadOnlyDictionary<string, string?> Tags)> Observe(string instrument)
    {
        lock (_measurements)
        {
            _measurements.RemoveAll(m => m.Instrument == instrument);
        }
        _listener.RecordObservableInstruments();
        return Recorded(instrument);
    }

    /// <summary>The one value reported with exactly these tag values (null when none).</summary>
    public static double? Value(IEnumerable<(double Value, IReadOnlyDictionary<string, string?> Tags)> measurements, params (string Key, string Value)[] tags) =>
        measurements.Where(m => tags.All(t => m.Tags.GetValueOrDefault(t.Key) == t.Value)).Select(m => (double?)m.Value).SingleOrDefault();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var dictionary = new Dictionary<string, string?>();
        foreach (var tag in tags)
        {
            dictionary[tag.Key] = tag.Value?.ToString();
        }
        lock (_measurements)
        {
            _measurements.Add((instrument.Name, value, dictionary));
        }
    }

    public void Dispose() => _listener.Dispose();
}
