using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansGateway.Contracts.Resources;

/// <summary>
/// Private keys never leave the control plane by a read: an ssl's (<c>key</c>, <c>keys</c>, as in APISIX) and an
/// upstream's client key (<c>tls.client_key</c>, inline in a route or service too) are left out of a GET of one or a
/// list, the export and <c>GET /apisix/admin/configs</c>. Snapshots and data planes get them (encrypted).
/// </summary>
public static class PrivateKeys
{
    /// <summary>Writes a stored resource's value without its private keys.</summary>
    public static void WriteWithout(Utf8JsonWriter writer, StoredResource item)
    {
        var tlsOwner = item.Kind switch
        {
            ResourceKind.Upstream => "tls",
            ResourceKind.Route or ResourceKind.Service => "upstream",
            _ => null,
        };
        if (item.Kind != ResourceKind.Ssl && (tlsOwner is null || !item.Json.Contains("\"client_key\"", StringComparison.Ordinal)))
        {
            writer.WriteRawValue(item.Json, skipInputValidation: true);
            return;
        }
        var value = JsonNode.Parse(item.Json)!.AsObject();
        if (item.Kind == ResourceKind.Ssl)
        {
            value.Remove("key");
            value.Remove("keys");
        }
        else
        {
            var tls = item.Kind == ResourceKind.Upstream ? value["tls"] : value["upstream"]?["tls"];
            (tls as JsonObject)?.Remove("client_key");
        }
        value.WriteTo(writer);
    }
}
