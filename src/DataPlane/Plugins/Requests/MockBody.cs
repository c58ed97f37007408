using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;

namespace OrleansGateway.DataPlane.Plugins.Requests;

/// <summary>A response made up from a JSON schema: examples where given, random values of the right type otherwise.</summary>
public static class MockBody
{
    public static string Generate(JsonObject schema, string mime)
    {
        var value = Value(schema);
        if (mime is "application/xml" or "text/xml")
        {
            var text = new StringBuilder();
            using (var writer = XmlWriter.Create(text, new XmlWriterSettings { OmitXmlDeclaration = true }))
            {
                writer.WriteStartElement("data");
                WriteXml(writer, value);
                writer.WriteEndElement();
            }
            return text.ToString();
        }
        return mime == "text/html" ? "" : value?.ToJsonString() ?? "null";
    }

    /// <summary>A value for <paramref name="schema"/>; null for a type it cannot make (the property is then left out).</summary>
    internal static JsonNode? Value(JsonObject schema)
    {
        var example = schema["example"];
        switch (schema["type"]?.GetValue<string>() ?? "object")
        {
            case "string":
                return example is JsonValue s && s.GetValueKind() == JsonValueKind.String ? s.GetValue<string>() : RandomWord();
            case "number":
                return example is JsonValue n && n.GetValueKind() == JsonValueKind.Number ? n.GetValue<double>() : Math.Round(Random.Shared.NextDouble() * 10000, 4);
            case "integer":
                return example is JsonValue i && i.GetValueKind() == JsonValueKind.Number ? (long)Math.Floor(i.GetValue<double>()) : Random.Shared.Next(1, 10001);
            case "boolean":
                return example is JsonValue b && b.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? b.GetValue<bool>() : Random.Shared.Next(2) == 1;
            case "object":
                var result = new JsonObject();
                foreach (var (name, property) in schema["properties"] as JsonObject ?? [])
                {
                    if (property is JsonObject propertySchema && Value(propertySchema) is { } propertyValue)
                    {
                        result[name] = propertyValue;
                    }
                }
                return result;
            case "array":
                if (schema["items"] is not JsonObject items)
                {
                    return null;
                }
                var array = new JsonArray();
                for (var count = Random.Shared.Next(1, 4); count > 0; count--)
                {
                    array.Add(Value(items));
                }
                return array;
            default:
                return null;
        }
    }

    private static string RandomWord() =>
        new(Enumerable.Range(0, Random.Shared.Next(1, 11)).Select(_ => (char)('a' + Random.Shared.Next(26))).ToArray());

    private static void WriteXml(XmlWriter writer, JsonNode? value)
    {
        switch (value)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj)
                {
                    writer.WriteStartElement(name);
                    WriteXml(writer, child);
                    writer.WriteEndElement();
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    writer.WriteStartElement("item");
                    WriteXml(writer, item);
                    writer.WriteEndElement();
                }
                break;
            case JsonValue v:
                writer.WriteString(v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString());
                break;
        }
    }
}
