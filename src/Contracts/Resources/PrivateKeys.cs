using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansGateway.Contracts.Resources;

/// <summary>
/// An ssl's private keys (<c>key</c>, <c>keys</c>) never leave the control plane by a read, as in APISIX: GET of one or
/// a list, the export and <c>GET /apisix/admin/configs</c> write ssls without them. Snapshots and data planes get them.
/// </summary>
public static class PrivateKeys
{
    /// <summary>Writes a stored resource's value, without the private keys when it is an ssl.</summary>
    public static void WriteWithout(Utf8JsonWriter writer, StoredResource item)
    {
        if (item.Kind != ResourceKind.Ssl)
        {
            writer.WriteRawValue(item.Json, skipInputValidation: true);
            return;
        }
        var value = JsonNode.Parse(item.Json)!.AsObject();
        value.Remove("key");
        value.Remove("keys");
        value.WriteTo(writer);
    }
}
