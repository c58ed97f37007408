using OrleansGateway.Contracts.Resources;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Yarp.ReverseProxy.Forwarder;

namespace OrleansGateway.DataPlane.Proxy;

/// <summary>An upstream as the proxy uses it: weighted nodes, scheme, host handling, timeouts, retries.</summary>
public sealed class UpstreamDefinition
{
    public required string Key { get; init; }
    public required IReadOnlyList<UpstreamNode> Nodes { get; init; }
    public string Type { get; init; } = "roundrobin";
    public string HashOn { get; init; } = "vars";
    public string? HashKey { get; init; }
    public string Scheme { get; init; } = "http";
    public string PassHost { get; init; } = "pass";
    public string? UpstreamHost { get; init; }
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>gRPC upstreams (<c>grpc</c>, <c>grpcs</c>) are spoken to in HTTP/2 only: cleartext by prior knowledge, or TLS.</summary>
    public bool IsGrpc => Scheme is "grpc" or "grpcs";

    /// <summary>The URL scheme the forwarder uses.</summary>
    public string TransportScheme => Scheme is "https" or "grpcs" ? "https" : "http";

    /// <summary>
    /// How each request is forwarded. YARP has one inactivity timer for both directions, so APISIX's <c>send</c> and
    /// <c>read</c> timeouts become one: the larger of the two bounds a stall either way.
    /// </summary>
    public ForwarderRequestConfig RequestConfig => _requestConfig ??= new ForwarderRequestConfig
    {
        ActivityTimeout = SendTimeout > ReadTimeout ? SendTimeout : ReadTimeout,
        Version = IsGrpc ? HttpVersion.Version20 : null,
        VersionPolicy = IsGrpc ? HttpVersionPolicy.RequestVersionExact : null,
    };

    private ForwarderRequestConfig? _requestConfig;
    public int Retries { get; init; }

    /// <summary>Active and passive health checks, when configured.</summary>
    public Health.HealthCheckConfig? Checks { get; init; }

    /// <summary>The stored text this was parsed from — its own, or its owner's when inline (equal text: unchanged in a new version).</summary>
    public string? SourceJson { get; init; }

    /// <summary><c>tls.verify</c>: check the upstream's certificate (off by default, as in APISIX).</summary>
    public bool VerifyTls { get; init; }

    /// <summary><c>tls.client_cert_id</c>: the ssl (of type client) whose certificate this upstream presents.</summary>
    public string? ClientCertId { get; init; }

    /// <summary>The stored text of that ssl when this was parsed (equal text: the certificate is unchanged).</summary>
    public string? ClientCertSslJson { get; init; }

    /// <summary>
    /// The client certificate presented to the nodes (mutual TLS): <c>tls.client_cert</c>/<c>client_key</c>, or the
    /// ssl named by <c>tls.client_cert_id</c>; null when none (or it could not be read: see <see cref="ClientCertError"/>).
    /// </summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Why the configured client certificate could not be used, for the log and the status.</summary>
    public string? ClientCertError { get; init; }

    /// <summary>
    /// Reads a validated upstream value (inline or stored); <paramref name="key"/> names it for pools and logs;
    /// <paramref name="sslJson"/> finds an ssl's stored text by id (for <c>tls.client_cert_id</c>).
    /// </summary>
    public static UpstreamDefinition Parse(
        string key, JsonObject value, string? sourceJson = null, Func<string, string?>? sslJson = null, Contracts.Security.FieldCipher? cipher = null)
    {
        var nodes = new List<UpstreamNode>();
        switch (value["nodes"])
        {
            case JsonObject map:
                foreach (var (address, weight) in map)
                {
                    var (host, port) = SplitAddress(address);
                    nodes.Add(new UpstreamNode(host, port, weight!.GetValue<int>()));
                }
                break;
            case JsonArray list:
                foreach (var node in list)
                {
                    nodes.Add(new UpstreamNode(node!["host"]!.GetValue<string>(), node["port"]?.GetValue<int>() ?? 0, node["weight"]!.GetValue<int>()));
                }
                break;
        }
        var scheme = value["scheme"]?.GetValue<string>() ?? "http";
        var defaultPort = scheme is "https" or "grpcs" ? 443 : 80;
        var tls = value["tls"] as JsonObject;
        var certId = ResourceIds.Text(tls?["client_cert_id"]);
        var certSsl = certId is null ? null : sslJson?.Invoke(certId);
        var (certificate, certError) = UpstreamTls.ClientCertificate(tls, certId, certSsl, cipher, key);
        return new UpstreamDefinition
        {
            VerifyTls = tls?["verify"]?.GetValue<bool>() ?? false,
            ClientCertId = certId,
            ClientCertSslJson = certSsl,
            ClientCertificate = certificate,
            ClientCertError = certError,
            Key = key,
            Nodes = nodes.Select(n => n.Port == 0 ? new UpstreamNode(n.Host, defaultPort, n.Weight) : n).ToList(),
            Type = value["type"]?.GetValue<string>() ?? "roundrobin",
            HashOn = value["hash_on"]?.GetValue<string>() ?? "vars",
            HashKey = value["key"]?.GetValue<string>(),
            Scheme = scheme,
            PassHost = value["pass_host"]?.GetValue<string>() ?? "pass",
            UpstreamHost = value["upstream_host"]?.GetValue<string>(),
            ConnectTimeout = Seconds(value["timeout"]?["connect"]) ?? TimeSpan.FromSeconds(60),
            ReadTimeout = Seconds(value["timeout"]?["read"]) ?? TimeSpan.FromSeconds(60),
            SendTimeout = Seconds(value["timeout"]?["send"]) ?? TimeSpan.FromSeconds(60),
            Retries = value["retries"]?.GetValue<int>() ?? Math.Max(0, nodes.Count - 1),
            SourceJson = sourceJson,
            Checks = Health.HealthCheckConfig.Parse(value["checks"]),
        };
    }

    private static TimeSpan? Seconds(JsonNode? node) => node is null ? null : TimeSpan.FromSeconds(node.GetValue<double>());

    private static (string Host, int Port) SplitAddress(string address)
    {
        if (address.StartsWith('['))
        {
            var end = address.IndexOf(']');
            var port = address.Length > end + 2 ? int.Parse(address[(end + 2)..], System.Globalization.CultureInfo.InvariantCulture) : 0;
            return (address[1..end], port);
        }
        var colon = address.LastIndexOf(':');
        return colon > 0 && address.IndexOf(':') == colon
            ? (address[..colon], int.Parse(address[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture))
            : (address, 0);
    }
}

/// <summary>One node of an upstream.</summary>
/// <remarks>
/// The strings a request needs are made once, here, not per request. The properties are get-only so that a
/// <c>with</c> expression (which would copy those strings unchanged) does not compile: make a changed node with the
/// constructor.
/// </remarks>
public sealed record UpstreamNode(string Host, int Port, int Weight)
{
    public string Host { get; } = Host;

    public int Port { get; } = Port;

    public int Weight { get; } = Weight;

    /// <summary><c>host:port</c>, IPv6 in brackets.</summary>
    public string Authority { get; } = AuthorityOf(Host, Port);

    /// <summary>The forwarder's destination prefix for a transport scheme (<c>http</c> or <c>https</c>).</summary>
    public string Destination(string transportScheme) => transportScheme == "https" ? _https : _http;

    private readonly string _http = "http://" + AuthorityOf(Host, Port);
    private readonly string _https = "https://" + AuthorityOf(Host, Port);

    private static string AuthorityOf(string host, int port) => host.Contains(':') ? $"[{host}]:{port}" : $"{host}:{port}";
}
