using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Orleans.Serialization;

namespace OrleansGateway.Silo.Security;

/// <summary>
/// The first thing an Orleans client sends on a gateway connection: a length-prefixed preamble whose field 1 is the
/// client's id. This mirrors just that field of Orleans' internal <c>ConnectionPreamble</c> (the serializer matches
/// fields by id and skips the others), so that the gateway can read the id the client will send calls under and hold
/// it against the client's certificate before Orleans reads anything.
/// </summary>
[GenerateSerializer]
internal sealed class GatewayPreamble
{
    private const int MaxLength = 1024; // Orleans' own bound

    [Id(1)]
    public GrainId NodeIdentity { get; init; }

    /// <summary>
    /// The client id of the preamble at the head of <paramref name="input"/>, leaving every byte unread for Orleans;
    /// null when the bytes are not a preamble or the connection ends first.
    /// </summary>
    public static async Task<GrainId?> PeekClientIdAsync(PipeReader input, Serializer<GatewayPreamble> serializer, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (buffer.Length >= 4)
            {
                var length = ReadLength(buffer);
                if (length is <= 0 or > MaxLength)
                {
                    input.AdvanceTo(buffer.Start);
                    return null;
                }
                if (buffer.Length >= 4 + length)
                {
                    GrainId? id;
                    try
                    {
                        id = serializer.Deserialize(buffer.Slice(4, length))?.NodeIdentity;
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        id = null;
                    }
                    // Nothing consumed, nothing examined: Orleans' own read gets the same bytes at once.
                    input.AdvanceTo(buffer.Start);
                    return id;
                }
            }
            if (result.IsCompleted || result.IsCanceled)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                return null;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static int ReadLength(ReadOnlySequence<byte> buffer)
    {
        Span<byte> bytes = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(bytes);
        return BinaryPrimitives.ReadInt32LittleEndian(bytes);
    }
}
