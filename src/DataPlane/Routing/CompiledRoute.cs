using OrleansGateway.Contracts.Resources;
using System.Net;
using System.Text.Json.Nodes;

namespace OrleansGateway.DataPlane.Routing;

/// <summary>
/// A route's matching rules, compiled once per configuration version. The uri is matched by the
/// <see cref="RouteTable"/>; <see cref="MatchesRest"/> checks hosts, methods, client address and vars.
/// </summary>
public sealed class CompiledRoute
{
    public required string Id { get; init; }

    /// <summary>Among routes for the same uri, the higher wins (APISIX <c>priority</c>).</summary>
    public int Priority { get; init; }

    /// <summary><c>uri</c>/<c>uris</c>; a trailing <c>*</c> makes a prefix.</summary>
    public required IReadOnlyList<string> Uris { get; init; }

    public IReadOnlyList<HostPattern> Hosts { get; init; } = [];

    /// <summary>Allowed methods; empty means any.</summary>
    public IReadOnlySet<string> Methods { get; init; } = new HashSet<string>();

    public IReadOnlyList<IPNetwork> RemoteAddrs { get; init; } = [];

    public VarsExpression Vars { get; init; } = VarsExpression.Compile(null);

    /// <summary>
    /// Which upstream serves the route: its inline upstream (<c>routes/ID</c>), its <c>upstream_id</c>
    /// (<c>upstreams/ID</c>), else its service's inline upstream (<c>services/ID</c>) or <c>upstream_id</c>.
    /// </summary>
    public string? UpstreamKey { get; init; }

    /// <summary>Its <c>service_id</c>, if any.</summary>
    public string? ServiceId { get; init; }

    /// <summary>Its <c>name</c> and its service's, if any (metrics with <c>prefer_name</c>).</summary>
    public string? Name { get; init; }

    public string? ServiceName { get; init; }

    /// <summary>A route for requests no route matched: plugins of global rules see it (its id and the rest are empty).</summary>
    public static CompiledRoute NotFound { get; } = new() { Id = "", Uris = [] };

    /// <summary>The <c>uri</c> pattern <paramref name="path"/> matched (<c>/foo*</c>), as metrics label it; empty for none.</summary>
    public string MatchedUri(string path)
    {
        foreach (var uri in Uris)
        {
            if (uri.EndsWith('*') ? path.StartsWith(uri.AsSpan(0, uri.Length - 1), StringComparison.Ordinal) : uri == path)
            {
                return uri;
            }
        }
        return "";
    }

    /// <summary>The host pattern <paramref name="host"/> matched (as configured, <c>*.example.com</c>); empty for none.</summary>
    public string MatchedHost(HostString host)
    {
        if (Hosts.Count == 0)
        {
            return "";
        }
        var lower = host.Host.ToLowerInvariant();
        foreach (var pattern in Hosts)
        {
            if (pattern.Matches(lower))
            {
                return pattern.Wildcard ? "*" + pattern.Suffix : pattern.Suffix;
            }
        }
        return "";
    }

    public bool MatchesRest(IRequestView request)
    {
        if (Methods.Count > 0 && !Methods.Contains(request.Method))
        {
            return false;
        }
        if (Hosts.Count > 0 && !AnyHost(request.Host))
        {
            return false;
        }
        if (RemoteAddrs.Count > 0 && (request.RemoteAddress is not { } ip || !AnyNetwork(ip)))
        {
            return false;
        }
        return Vars.IsEmpty || Vars.Matches(request);
    }

    private bool AnyHost(string host)
    {
        foreach (var pattern in Hosts)
        {
            if (pattern.Matches(host))
            {
                return true;
            }
        }
        return false;
    }

    private bool AnyNetwork(IPAddress ip)
    {
        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }
        foreach (var network in RemoteAddrs)
        {
            if (network.Contains(ip))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Compiles a stored route value; null for a disabled route (<c>status: 0</c>). Hosts come from the route, or
    /// from its service when the route names none (APISIX's inheritance).
    /// </summary>
    public static CompiledRoute? Compile(JsonObject route, JsonObject? service)
    {
        if (route["status"]?.GetValue<int>() == 0)
        {
            return null;
        }
        var uris = route["uris"] is JsonArray list ? list.Select(u => u!.GetValue<string>()).ToList() : [route["uri"]!.GetValue<string>()];
        var hosts = Strings(route, "hosts", "host");
        if (hosts.Count == 0 && service is not null)
        {
            hosts = Strings(service, "hosts", "host");
        }
        return new CompiledRoute
        {
            Id = ResourceIds.Text(route["id"])!,
            Priority = route["priority"]?.GetValue<int>() ?? 0,
            Uris = uris,
            Hosts = hosts.Select(HostPattern.Parse).ToList(),
            Methods = Strings(route, "methods", null).ToHashSet(StringComparer.Ordinal),
            RemoteAddrs = Strings(route, "remote_addrs", "remote_addr").Select(Networks.Parse).ToList(),
            Vars = VarsExpression.Compile(route["vars"] as JsonArray),
            UpstreamKey = UpstreamKeyOf(route, "routes") ?? (service is null ? null : UpstreamKeyOf(service, "services")),
            ServiceId = ResourceIds.Text(route["service_id"]),
            Name = route["name"]?.GetValue<string>(),
            ServiceName = service?["name"]?.GetValue<string>(),
        };
    }

    private static string? UpstreamKeyOf(JsonObject owner, string kind) =>
        owner["upstream"] is JsonObject ? $"{kind}/{ResourceIds.Text(owner["id"])}"
        : owner["upstream_id"] is JsonValue id ? $"upstreams/{ResourceIds.Text(id)}"
        : null;

    private static List<string> Strings(JsonObject obj, string plural, string? singular)
    {
        if (obj[plural] is JsonArray many)
        {
            return many.Select(v => v!.GetValue<string>()).ToList();
        }
        return singular is not null && obj[singular] is JsonValue one ? [one.GetValue<string>()] : [];
    }
}
