using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;

namespace OrleansGateway.DataPlane.Sources;

/// <summary>
/// The local cache's append-only journal: the change sets applied since its checkpoint, one framed record each
/// (<c>[length][8 bytes of SHA-256][JSON]</c>), after a header record naming the group and the checkpoint's version. A
/// record cut short by a crash, or damaged, ends the journal there: a reader gets the last whole version, never a torn
/// one.
/// </summary>
public static class CacheJournal
{
    private const int FrameHeader = 12;

    /// <summary>The header record: which checkpoint (group and version) the records that follow build on.</summary>
    public static byte[] Header(string group, long baseVersion) =>
        Frame(JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["group"] = group, ["base"] = baseVersion }));

    /// <summary>One change set as a record.</summary>
    public static byte[] Record(ChangeSet changes)
    {
        var json = new JsonObject
        {
            ["from"] = changes.FromVersion,
            ["to"] = changes.ToVersion,
            ["config_changed"] = changes.ConfigChanged,
            // Kinds newer than this data plane are not kept (it skips them, see ResourceSet.With).
            ["upserted"] = new JsonArray([.. changes.Upserted.Where(r => Enum.IsDefined(r.Kind)).Select(r => (JsonNode)new JsonObject
            {
                ["kind"] = r.Kind.PathName(),
                ["id"] = r.Id,
                ["created"] = r.CreatedIndex,
                ["modified"] = r.ModifiedIndex,
                ["json"] = r.Json,
            })]),
            ["deleted"] = new JsonArray([.. changes.Deleted.Where(k => Enum.IsDefined(k.Kind)).Select(k => (JsonNode)new JsonObject { ["kind"] = k.Kind.PathName(), ["id"] = k.Id })]),
        };
        return Frame(JsonSerializer.SerializeToUtf8Bytes(json));
    }

    /// <summary>
    /// The journal's change sets that continue <paramref name="group"/>'s checkpoint at <paramref name="baseVersion"/>,
    /// in order, up to the first record that is cut short or damaged; none when the journal belongs to another
    /// checkpoint (a crash between writing a checkpoint and starting its journal).
    /// </summary>
    public static List<ChangeSet> Read(ReadOnlySpan<byte> journal, string group, long baseVersion)
    {
        var changes = new List<ChangeSet>();
        var offset = 0;
        if (Next(journal, ref offset) is not { } header || header["group"]?.GetValue<string>() != group || header["base"]?.GetValue<long>() != baseVersion)
        {
            return changes;
        }
        while (Next(journal, ref offset) is { } record)
        {
            changes.Add(Parse(group, record));
        }
        return changes;
    }

    private static JsonObject? Next(ReadOnlySpan<byte> journal, ref int offset)
    {
        if (journal.Length - offset < FrameHeader)
        {
            return null;
        }
        var length = BinaryPrimitives.ReadInt32LittleEndian(journal[offset..]);
        if (length <= 0 || length > journal.Length - offset - FrameHeader)
        {
            return null;
        }
        var payload = journal.Slice(offset + FrameHeader, length);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(payload, hash);
        if (!hash[..8].SequenceEqual(journal.Slice(offset + 4, 8)))
        {
            return null;
        }
        offset += FrameHeader + length;
        try
        {
            return JsonNode.Parse(payload) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ChangeSet Parse(string group, JsonObject record)
    {
        static ResourceKind Kind(JsonNode? node) =>
            ResourceKinds.TryParse(node?.GetValue<string>(), out var kind) ? kind : throw new FormatException($"unknown resource kind {node}");
        var upserted = record["upserted"]!.AsArray().Select(n => new StoredResource(
            Kind(n!["kind"]), n["id"]!.GetValue<string>(), n["json"]!.GetValue<string>(), n["created"]!.GetValue<long>(), n["modified"]!.GetValue<long>())).ToList();
        var deleted = record["deleted"]!.AsArray().Select(n => new ResourceKey(Kind(n!["kind"]), n["id"]!.GetValue<string>())).ToList();
        return new ChangeSet(group, record["from"]!.GetValue<long>(), record["to"]!.GetValue<long>(), false, upserted, deleted, record["config_changed"]?.GetValue<bool>() ?? false);
    }

    private static byte[] Frame(byte[] payload)
    {
        var frame = new byte[FrameHeader + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, payload.Length);
        SHA256.HashData(payload).AsSpan(0, 8).CopyTo(frame.AsSpan(4));
        payload.CopyTo(frame.AsSpan(FrameHeader));
        return frame;
    }
}
