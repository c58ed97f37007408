using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;

namespace OrleansGateway.DataPlane.Plugins.Observability;

/// <summary>
/// The log entry of a request, as APISIX's loggers write it: the full entry (request, response, server, upstream,
/// route, service, consumer, client address, start time and latencies in milliseconds), or a <c>log_format</c> whose
/// <c>$variables</c> are replaced (nested objects too, five levels deep; an unset variable leaves its key out).
/// </summary>
public static class LogEntries
{
    private static readonly string Version = typeof(LogEntries).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>What the entry may carry beyond the request itself: bodies, when the logger asks for them.</summary>
    public sealed record Bodies(string? Request, string? Response);

    public static JsonObject Full(PluginContext context, Bodies bodies)
    {
        var http = context.Http;
        var request = http.Request;
        var route = context.Route;
        var (latency, upstream) = Latencies(context);
        var requestPart = new JsonObject
        {
            ["url"] = $"{request.Scheme}://{request.Host.Host}:{http.Connection.LocalPort}{RequestUri(http)}",
            ["uri"] = RequestUri(http),
            ["method"] = request.Method,
            ["headers"] = Headers(request.Headers),
            ["querystring"] = Query(request.QueryString.Value),
            ["size"] = PrometheusPlugin.RequestLength(request),
        };
        if (bodies.Request is { Length: > 0 } requestBody)
        {
            requestPart["body"] = requestBody;
        }
        var responsePart = new JsonObject
        {
            ["status"] = http.Response.StatusCode,
            ["headers"] = Headers(http.Response.Headers),
            ["size"] = PrometheusPlugin.BytesSent(context),
        };
        if (bodies.Response is not null)
        {
            responsePart["body"] = bodies.Response;
        }
        var entry = new JsonObject
        {
            ["request"] = requestPart,
            ["response"] = responsePart,
            ["server"] = new JsonObject { ["hostname"] = Environment.MachineName, ["version"] = Version },
        };
        if (context.Node is { } node && context.Forwarded)
        {
            entry["upstream"] = node.Authority;
        }
        entry["service_id"] = route.Id.Length == 0 ? request.Host.Host : route.ServiceId ?? "";
        entry["route_id"] = route.Id.Length == 0 ? "no-matched" : route.Id;
        if (context.ConsumerName is { } consumer)
        {
            entry["consumer"] = new JsonObject { ["username"] = consumer };
        }
        entry["client_ip"] = Routing.Networks.Text(http.Connection.RemoteIpAddress);
        entry["start_time"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - (long)latency;
        entry["latency"] = latency;
        if (upstream is { } upstreamMs)
        {
            entry["upstream_latency"] = upstreamMs;
        }
        entry["apisix_latency"] = Math.Max(0, latency - (upstream ?? 0));
        return entry;
    }

    /// <summary><paramref name="format"/> with its <c>$variables</c> replaced; the route and service ids added as APISIX adds them.</summary>
    public static JsonObject Custom(PluginContext context, JsonObject format, Bodies bodies)
    {
        var entry = Fill(context, format, bodies, depth: 1);
        if (context.Route.Id.Length > 0)
        {
            entry["route_id"] = context.Route.Id;
            if (context.Route.ServiceId is { } serviceId)
            {
                entry["service_id"] = serviceId;
            }
        }
        else if (!entry.ContainsKey("route_id"))
        {
            entry["route_id"] = "no-matched";
        }
        return entry;
    }

    /// <summary>Adds the <c>log_format_extra</c> fields the entry does not have yet (never replacing one).</summary>
    public static void AddExtra(PluginContext context, JsonObject entry, JsonObject extra, Bodies bodies)
    {
        foreach (var (key, value) in Fill(context, extra, bodies, depth: 1).ToList())
        {
            if (!entry.ContainsKey(key))
            {
                entry[key] = value?.DeepClone();
            }
        }
    }

    private static JsonObject Fill(PluginContext context, JsonObject format, Bodies bodies, int depth)
    {
        var entry = new JsonObject();
        foreach (var (key, value) in format)
        {
            switch (value)
            {
                case JsonObject nested:
                    entry[key] = depth >= 5 ? new JsonObject() : Fill(context, nested, bodies, depth + 1);
                    break;
                case JsonValue v when v.TryGetValue<string>(out var text) && text.StartsWith('$'):
                    if (Variable(context, text[1..], bodies) is { } resolved)
                    {
                        entry[key] = resolved;
                    }
                    break;
                default:
                    entry[key] = value?.DeepClone();
                    break;
            }
        }
        return entry;
    }

    /// <summary>A variable as a logger reads it at the end of the request; null when unset.</summary>
    public static JsonNode? Variable(PluginContext context, string name, Bodies bodies)
    {
        var http = context.Http;
        var (latency, upstream) = Latencies(context);
        return name switch
        {
            "status" => http.Response.StatusCode,
            "request_body" => bodies.Request,
            "resp_body" => bodies.Response,
            "upstream_addr" => context.Forwarded ? context.Node?.Authority : null,
            "balancer_ip" => context.Node?.Host,
            "upstream_status" => context.UpstreamStatus?.ToString(CultureInfo.InvariantCulture),
            "upstream_response_time" => upstream is { } ms ? (ms / 1000).ToString("0.###", CultureInfo.InvariantCulture) : null,
            "request_time" => (latency / 1000).ToString("0.###", CultureInfo.InvariantCulture),
            "request_length" => PrometheusPlugin.RequestLength(http.Request).ToString(CultureInfo.InvariantCulture),
            "bytes_sent" => PrometheusPlugin.BytesSent(context).ToString(CultureInfo.InvariantCulture),
            "time_iso8601" => DateTimeOffset.Now.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture),
            "msec" => (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0).ToString("0.000", CultureInfo.InvariantCulture),
            "route_name" => context.Route.Name,
            "service_name" => context.Route.ServiceName,
            "server_protocol" => http.Request.Protocol,
            "request_uri" => RequestUri(http),
            _ when name.StartsWith("sent_http_", StringComparison.Ordinal) =>
                http.Response.Headers.TryGetValue(name[10..].Replace('_', '-'), out var sent) ? sent.ToString() : null,
            _ => PluginVars.Resolve(context, name),
        };
    }

    private static (double Latency, double? Upstream) Latencies(PluginContext context) =>
        (Stopwatch.GetElapsedTime(context.StartTimestamp).TotalMilliseconds, context.UpstreamElapsed?.TotalMilliseconds);

    private static string RequestUri(HttpContext http) =>
        http.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw ? raw : $"{http.Request.Path}{http.Request.QueryString}";

    private static JsonObject Headers(IHeaderDictionary headers)
    {
        var result = new JsonObject();
        foreach (var (name, values) in headers)
        {
            result[name.ToLowerInvariant()] = values.Count == 1
                ? JsonValue.Create(values.ToString())
                : new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
        }
        return result;
    }

    private static JsonObject Query(string? query)
    {
        var result = new JsonObject();
        if (string.IsNullOrEmpty(query))
        {
            return result;
        }
        foreach (var part in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=');
            var name = Uri.UnescapeDataString((equals < 0 ? part : part[..equals]).Replace('+', ' '));
            JsonNode value = equals < 0 ? JsonValue.Create(true) : JsonValue.Create(Uri.UnescapeDataString(part[(equals + 1)..].Replace('+', ' ')));
            result[name] = result[name] switch
            {
                null => value,
                JsonArray existing => Append(existing, value),
                var single => new JsonArray(single.DeepClone(), value),
            };
        }
        return result;
    }

    private static JsonArray Append(JsonArray array, JsonNode value)
    {
        array.Add(value);
        return array;
    }

    /// <summary>Truncates a body to <paramref name="max"/> bytes, as text.</summary>
    public static string? Text(byte[]? body, long max) =>
        body is null ? null : Encoding.UTF8.GetString(body, 0, (int)Math.Min(body.Length, max));
}
