namespace OrleansGateway.DataPlane.Proxy;

/// <summary>
/// The response body as the client gets it (below any compression), counted on its way out; optionally keeping the
/// first bytes written (a logger's <c>include_resp_body</c>).
/// </summary>
public sealed class CountingStream(Stream inner) : Stream
{
    private MemoryStream? _captured;
    private int _captureLimit;

    public Stream Inner { get; } = inner;

    /// <summary>Bytes written so far.</summary>
    public long Count { get; private set; }

    /// <summary>Keeps up to <paramref name="limit"/> bytes of what is written from now on.</summary>
    public void Capture(int limit)
    {
        _captured ??= new MemoryStream();
        _captureLimit = Math.Max(_captureLimit, limit);
    }

    /// <summary>What was kept (<see cref="Capture"/>), or null.</summary>
    public byte[]? Captured => _captured?.ToArray();

    private void Saw(ReadOnlySpan<byte> bytes)
    {
        Count += bytes.Length;
        if (_captured is { } captured && captured.Length < _captureLimit)
        {
            captured.Write(bytes[..(int)Math.Min(bytes.Length, _captureLimit - captured.Length)]);
        }
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        Saw(buffer.AsSpan(offset, count));
        Inner.Write(buffer, offset, count);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Saw(buffer);
        Inner.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Saw(buffer.AsSpan(offset, count));
        return Inner.WriteAsync(buffer, offset, count, cancellationToken);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Saw(buffer.Span);
        return Inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Inner.FlushAsync(cancellationToken);

    public override void Flush() => Inner.Flush();

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
