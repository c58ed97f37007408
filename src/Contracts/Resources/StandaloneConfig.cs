using System.Text.Json;
using OrleansGateway.Contracts.Grains;

namespace OrleansGateway.Contracts.Resources;

/// <summary>
/// A group's resources in APISIX's standalone shape — <c>{"routes":[…],…,"routes_conf_version":N}</c> — as served by
/// <c>GET /apisix/admin/configs</c>, accepted by its PUT, and stored in resource snapshots.
/// </summary>
public static class StandaloneConfig
{
    /// <summary>
    /// Writes <paramref name="export"/> in the standalone shape, items ordered by id; for a read by a person or tool
    /// (<paramref name="withoutPrivateKeys"/>), ssls without their private keys (<see cref="PrivateKeys"/>).
    /// </summary>
    public static void Write(Utf8JsonWriter writer, GroupExport export, bool withoutPrivateKeys = false)
    {
        writer.WriteStartObject();
        foreach (var kind in ResourceKinds.All)
        {
            writer.WriteStartArray(kind.PathName());
            foreach (var item in export.Resources.Where(r => r.Kind == kind).OrderBy(r => r.Id, StringComparer.Ordinal))
            {
                if (withoutPrivateKeys)
                {
                    PrivateKeys.WriteWithout(writer, item);
                }
                else
                {
                    writer.WriteRawValue(item.Json, skipInputValidation: true);
                }
            }
            writer.WriteEndArray();
            writer.WriteNumber($"{kind.PathName()}_conf_version", export.Version);
        }
        writer.WriteEndObject();
    }

    /// <summary>The standalone shape as a JSON string.</summary>
    public static string ToJson(GroupExport export)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, export);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
