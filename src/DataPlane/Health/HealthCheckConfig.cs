using System.Text.Json.Nodes;

namespace OrleansGateway.DataPlane.Health;

/// <summary>An upstream's <c>checks</c>, with APISIX's defaults.</summary>
public sealed record HealthCheckConfig(ActiveCheck? Active, PassiveCheck? Passive)
{
    public static HealthCheckConfig? Parse(JsonNode? checks)
    {
        if (checks is not JsonObject obj)
        {
            return null;
        }
        return new HealthCheckConfig(
            obj["active"] is JsonObject a ? ActiveCheck.Parse(a) : null,
            obj["passive"] is JsonObject p ? PassiveCheck.Parse(p) : null);
    }

    internal static int[] Statuses(JsonNode? node, params int[] defaults) =>
        node is JsonArray list ? list.Select(v => v!.GetValue<int>()).ToArray() : defaults;
}

/// <summary><c>checks.active</c>: probes every node on an interval.</summary>
public sealed record ActiveCheck(
    string Type, string HttpPath, string? Host, TimeSpan Timeout, TimeSpan HealthyInterval, TimeSpan UnhealthyInterval,
    int Successes, int HttpFailures, int TcpFailures, int Timeouts, int[] HealthyStatuses, int[] UnhealthyStatuses)
{
    public static ActiveCheck Parse(JsonObject a)
    {
        var healthy = a["healthy"] as JsonObject ?? [];
        var unhealthy = a["unhealthy"] as JsonObject ?? [];
        return new ActiveCheck(
            a["type"]?.GetValue<string>() ?? "http",
            a["http_path"]?.GetValue<string>() ?? "/",
            a["host"]?.GetValue<string>(),
            TimeSpan.FromSeconds(a["timeout"]?.GetValue<double>() ?? 1),
            TimeSpan.FromSeconds(healthy["interval"]?.GetValue<int>() ?? 1),
            TimeSpan.FromSeconds(unhealthy["interval"]?.GetValue<int>() ?? 1),
            healthy["successes"]?.GetValue<int>() ?? 2,
            unhealthy["http_failures"]?.GetValue<int>() ?? 5,
            unhealthy["tcp_failures"]?.GetValue<int>() ?? 2,
            unhealthy["timeouts"]?.GetValue<int>() ?? 3,
            HealthCheckConfig.Statuses(healthy["http_statuses"], 200, 302),
            HealthCheckConfig.Statuses(unhealthy["http_statuses"], 429, 404, 500, 501, 502, 503, 504, 505));
    }
}

/// <summary><c>checks.passive</c>: judges nodes by the responses to real traffic.</summary>
public sealed record PassiveCheck(int Successes, int HttpFailures, int TcpFailures, int Timeouts, int[] HealthyStatuses, int[] UnhealthyStatuses)
{
    public static PassiveCheck Parse(JsonObject p)
    {
        var healthy = p["healthy"] as JsonObject ?? [];
        var unhealthy = p["unhealthy"] as JsonObject ?? [];
        return new PassiveCheck(
            healthy["successes"]?.GetValue<int>() ?? 5,
            unhealthy["http_failures"]?.GetValue<int>() ?? 5,
            unhealthy["tcp_failures"]?.GetValue<int>() ?? 2,
            unhealthy["timeouts"]?.GetValue<int>() ?? 7,
            HealthCheckConfig.Statuses(healthy["http_statuses"], Enumerable.Range(200, 100).Concat(Enumerable.Range(300, 9)).ToArray()),
            HealthCheckConfig.Statuses(unhealthy["http_statuses"], 429, 500, 503));
    }
}
