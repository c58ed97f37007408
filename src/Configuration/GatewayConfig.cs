using System.Net;

namespace OrleansGateway.Configuration;

/// <summary>The validated deployment configuration (conf/config.yaml plus environment overrides).</summary>
public sealed record GatewayConfig
{
    /// <summary><c>deployment.role</c>: traditional (silo + proxy), control_plane, data_plane.</summary>
    public string Role { get; init; } = "traditional";

    /// <summary><c>deployment.data_dir</c>: SQLite file, generated admin key, DP cache, embedded snapshots.</summary>
    public string DataDir { get; init; } = "./data";

    /// <summary><c>deployment.admin.admin_listen</c>.</summary>
    public IPEndPoint AdminListen { get; init; } = new(IPAddress.Loopback, 9180);

    /// <summary><c>deployment.admin.admin_key</c>: empty means "generate one on first start".</summary>
    public IReadOnlyList<AdminKey> AdminKeys { get; init; } = [];

    /// <summary><c>deployment.admin.max_body_bytes</c>: Admin API bodies above it are refused.</summary>
    public int AdminMaxBodyBytes { get; init; } = 32 * 1024 * 1024;

    /// <summary>
    /// <c>deployment.admin.enable_admin_cors</c> (on by default, as APISIX): the Admin API answers browsers' CORS
    /// preflights and marks its responses readable from any origin.
    /// </summary>
    public bool AdminCors { get; init; } = true;

    /// <summary><c>deployment.admin.https_admin</c> and <c>admin_api_mtls</c>: the Admin API over HTTPS; null for HTTP.</summary>
    public Certificates.AdminHttpsConfig? AdminHttps { get; init; }

    /// <summary><c>deployment.admin.audit</c>: how much audit log and history each gateway group keeps.</summary>
    public AuditConfig Audit { get; init; } = new();

    /// <summary><c>deployment.admin.console.enabled</c>: the operators' console under <c>/console/</c> (on by default).</summary>
    public bool ConsoleEnabled { get; init; } = true;

    /// <summary><c>deployment.admin.dashboard</c>: the Orleans dashboard under <c>/dashboard/</c>.</summary>
    public DashboardConfig Dashboard { get; init; } = new();

    /// <summary>
    /// <c>apisix.node_listen</c>: the data plane's proxy ports — a port, or APISIX's list of ports or
    /// <c>{port, enable_http2}</c> entries. A port with <c>enable_http2</c> speaks cleartext HTTP/2 only (gRPC clients,
    /// prior knowledge); the others HTTP/1.1.
    /// </summary>
    public IReadOnlyList<NodeListener> NodeListeners { get; init; } = [new(9080, false)];

    /// <summary>The first proxy port.</summary>
    public int NodeListen => NodeListeners[0].Port;

    /// <summary>
    /// <c>apisix.max_post_args_readable_size</c> (MiB, as APISIX; 0: no limit): the largest request body the data plane
    /// reads to evaluate <c>post_arg</c> variables; a larger one leaves them unset.
    /// </summary>
    public long MaxPostArgsReadableBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary><c>apisix.control</c>: the data plane's status port.</summary>
    public IPEndPoint Control { get; init; } = new(IPAddress.Loopback, 9090);

    /// <summary><c>deployment.gateway_group_id</c>: the group a data plane serves.</summary>
    public string GatewayGroupId { get; init; } = "default";

    /// <summary><c>deployment.role_data_plane.config_provider</c>: <c>control_plane</c> or <c>yaml</c> (standalone).</summary>
    public string ConfigProvider { get; init; } = "control_plane";

    /// <summary><c>deployment.orleans</c>.</summary>
    public OrleansConfig Orleans { get; init; } = new();

    /// <summary><c>deployment.certs</c>: mutual TLS on every Orleans connection; null means plain TCP.</summary>
    public Certificates.CertsConfig? Certs { get; init; }

    /// <summary>
    /// True when the Orleans ports can be reached from other hosts (a silo advertising a non-loopback address or in a
    /// PostgreSQL cluster; a data plane following such silos) and run without TLS because
    /// <c>deployment.orleans.allow_insecure</c> says so: warned about at start and in <c>/status</c>.
    /// </summary>
    public bool InsecureOrleans { get; init; }

    /// <summary><c>fallback_cp</c>: snapshots of every group, and the data plane's fallback to them.</summary>
    public FallbackCpConfig FallbackCp { get; init; } = new();

    /// <summary><c>deployment.sqlite.synchronous</c>: FULL (default) or NORMAL.</summary>
    public bool SqliteSynchronousFull { get; init; } = true;

    /// <summary>
    /// Keys set under <c>deployment</c>, <c>apisix</c> and <c>fallback_cp</c> that nothing reads (dotted, without
    /// values): a typo, or an APISIX setting this gateway does not have. Reported at start as a warning.
    /// </summary>
    public IReadOnlyList<string> UnusedKeys { get; init; } = [];
}

/// <summary>One entry of <c>deployment.admin.admin_key</c>.</summary>
public sealed record AdminKey(string Name, string Key, string Role);

/// <summary>
/// <c>deployment.admin.audit</c>: each group's audit log and history keep at most <see cref="MaxVersions"/> versions
/// and nothing older than <see cref="MaxAge"/> (zero: no age limit).
/// </summary>
public sealed record AuditConfig(int MaxVersions = 10_000, TimeSpan MaxAge = default)
{
    /// <summary>The default age limit: 90 days.</summary>
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromDays(90);

    /// <summary>Defaults: 10,000 versions and 90 days.</summary>
    public AuditConfig() : this(10_000, DefaultMaxAge)
    {
    }
}

/// <summary><c>deployment.orleans</c>: cluster identity, ports, gateways for clients, PostgreSQL.</summary>
public sealed record OrleansConfig
{
    /// <summary><c>cluster_id</c>.</summary>
    public string ClusterId { get; init; } = "orleans-gateway";

    /// <summary><c>service_id</c>.</summary>
    public string ServiceId { get; init; } = "orleans-gateway";

    /// <summary><c>silo_port</c>.</summary>
    public int SiloPort { get; init; } = 11111;

    /// <summary><c>gateway_port</c>.</summary>
    public int GatewayPort { get; init; } = 30000;

    /// <summary><c>advertised_ip</c>: the address other silos and clients reach this silo on.</summary>
    public IPAddress AdvertisedIp { get; init; } = IPAddress.Loopback;

    /// <summary><c>gateways</c>: static silo gateway endpoints for clients (<c>host:port</c>).</summary>
    public IReadOnlyList<IPEndPoint> Gateways { get; init; } = [];

    /// <summary><c>postgresql.connection_string</c>: when set, clustering, storage and reminders use PostgreSQL.</summary>
    public string? PostgreSqlConnectionString { get; init; }

    /// <summary><c>allow_insecure</c>: permits Orleans ports reachable from other hosts without <c>deployment.certs</c>.</summary>
    public bool AllowInsecure { get; init; }
}

/// <summary>One proxy port of <c>apisix.node_listen</c>.</summary>
public sealed record NodeListener(int Port, bool EnableHttp2);
