using System.Text.Encodings.Web;
using System.Text.Json;

namespace OrleansGateway.DataPlane.Proxy;

/// <summary>
/// How the proxy writes the JSON bodies it answers with: as APISIX's encoder does, without escaping quotes, apostrophes
/// or non-ASCII text (<c>"can't"</c>, not <c>"can\u0027t"</c>). These bodies are JSON responses, never HTML.
/// </summary>
public static class ClientJson
{
    public static JsonSerializerOptions Options { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);
}
