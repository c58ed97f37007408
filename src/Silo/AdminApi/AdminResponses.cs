using System.Text;
using System.Text.Json;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.Silo.AdminApi;

/// <summary>APISIX v3 envelopes. Resource values are stored as JSON text and written through without re-encoding.</summary>
public static class AdminResponses
{
    /// <summary><c>{"error_msg":…}</c>, with <c>description</c> when the error carries extra help (<see cref="AdminErrors"/>).</summary>
    public static IResult Error(int status, string message) => Json(status, w =>
    {
        var (text, description) = AdminErrors.Split(message);
        w.WriteStartObject();
        w.WriteString("error_msg", text);
        if (description is not null)
        {
            w.WriteString("description", description);
        }
        w.WriteEndObject();
    });

    public static IResult Item(StoredResource item, int status = 200) => Json(status, w => WriteItem(w, item));

    /// <summary>
    /// A GET of one resource: as stored, without an ssl's private keys (as APISIX: they never leave by a read). A
    /// missing one also says <c>"message":"Key not found"</c>, as APISIX's store answers it.
    /// </summary>
    public static IResult Read(AdminResult result) =>
        result.Status == 404 && result.Error is { } missing ? Json(404, w =>
        {
            w.WriteStartObject();
            w.WriteString("error_msg", missing);
            w.WriteString("message", "Key not found");
            w.WriteEndObject();
        })
        : result.Item is null || result.Error is not null ? From(result) : Json(200, w => WriteItem(w, result.Item, withoutPrivateKeys: true));

    /// <summary>A list, without ssls' private keys.</summary>
    public static IResult List(ResourcePage page) => Json(200, w =>
    {
        w.WriteStartObject();
        w.WriteNumber("total", page.Total);
        w.WriteStartArray("list");
        foreach (var item in page.Items)
        {
            WriteItem(w, item, withoutPrivateKeys: true);
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });

    public static IResult Deleted(StoredResource item) => Json(200, w =>
    {
        w.WriteStartObject();
        w.WriteString("deleted", "1");
        w.WriteString("key", item.Key);
        w.WriteEndObject();
    });

    /// <summary>An error or the item, from a grain's result.</summary>
    public static IResult From(AdminResult result) =>
        result.Item is null || result.Error is not null ? Error(result.Status, result.Error ?? "unknown error") : Item(result.Item, result.Status);

    public static void WriteItem(Utf8JsonWriter w, StoredResource item, bool withoutPrivateKeys = false)
    {
        w.WriteStartObject();
        w.WriteString("key", item.Key);
        w.WritePropertyName("value");
        if (withoutPrivateKeys)
        {
            PrivateKeys.WriteWithout(w, item);
        }
        else
        {
            w.WriteRawValue(item.Json, skipInputValidation: true);
        }
        w.WriteNumber("createdIndex", item.CreatedIndex);
        w.WriteNumber("modifiedIndex", item.ModifiedIndex);
        w.WriteEndObject();
    }

    public static IResult Json(int status, Action<Utf8JsonWriter> write) => new JsonWriterResult(status, write);

    private sealed class JsonWriterResult(int status, Action<Utf8JsonWriter> write) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => status;

        public async Task ExecuteAsync(HttpContext context)
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            using var buffer = new MemoryStream();
            await using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                write(writer);
            }
            buffer.Position = 0;
            await buffer.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
    }

    /// <summary>Group info as JSON.</summary>
    public static void WriteGroup(Utf8JsonWriter w, GroupInfo g)
    {
        w.WriteStartObject();
        w.WriteString("id", g.Id);
        w.WriteString("name", g.Name);
        w.WriteString("description", g.Description);
        w.WriteNumber("version", g.Version);
        w.WriteNumber("create_time", g.CreateTime);
        w.WriteNumber("update_time", g.UpdateTime);
        if (g.Silo is not null)
        {
            w.WriteString("silo", g.Silo);
        }
        w.WriteEndObject();
    }

    // Readable messages (\"uri\" rather than \u0022uri\u0022), as APISIX prints them; the body is JSON, never HTML.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    internal static readonly Encoding Utf8 = new UTF8Encoding(false, true);
}
