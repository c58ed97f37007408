using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using StackExchange.Redis;

namespace OrleansGateway.DataPlane.Plugins.Limits;

/// <summary>
/// The Redis a limit plugin counts in (<c>policy</c> <c>redis</c> or <c>redis-cluster</c>), with one shared connection
/// per distinct server, database, credentials and TLS settings (as APISIX keeps its pools apart), made on first use
/// and kept. A command to a Redis that does not answer fails at once or within <c>redis_timeout</c>, never waits in
/// a queue: the plugin then answers as APISIX does (500, or lets the request through with <c>allow_degradation</c>).
/// </summary>
public sealed class RedisTarget
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<ConnectionMultiplexer>>> Connections = new(StringComparer.Ordinal);
    private readonly ConfigurationOptions _options;
    private readonly string _identity;
    private readonly int _database;

    private RedisTarget(ConfigurationOptions options, string identity, int database)
    {
        _options = options;
        _identity = identity;
        _database = database;
    }

    /// <summary>Where a plugin configuration counts: null for <c>policy: local</c> (or none).</summary>
    public static RedisTarget? From(JsonObject config)
    {
        var policy = config["policy"]?.GetValue<string>() ?? "local";
        if (policy is not ("redis" or "redis-cluster"))
        {
            return null;
        }
        var cluster = policy == "redis-cluster";
        var timeout = config["redis_timeout"]?.GetValue<int>() ?? 1000;
        var options = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            BacklogPolicy = BacklogPolicy.FailFast,
            ConnectTimeout = timeout,
            SyncTimeout = timeout,
            AsyncTimeout = timeout,
            ConnectRetry = 1,
            Password = Text(config, "redis_password") is { Length: > 0 } password ? password : null,
            User = cluster ? null : Text(config, "redis_username"),
            Ssl = config[cluster ? "redis_cluster_ssl" : "redis_ssl"]?.GetValue<bool>() ?? false,
            ClientName = "orleans-gateway-dp",
        };
        var verify = config[cluster ? "redis_cluster_ssl_verify" : "redis_ssl_verify"]?.GetValue<bool>() == true;
        if (options.Ssl && !verify)
        {
            options.CertificateValidation += (_, _, _, _) => true; // APISIX's default: TLS without verification
        }
        if (cluster)
        {
            foreach (var node in config["redis_cluster_nodes"]!.AsArray())
            {
                options.EndPoints.Add(node!.GetValue<string>());
            }
        }
        else
        {
            options.EndPoints.Add(Text(config, "redis_host")!, config["redis_port"]?.GetValue<int>() ?? 6379);
        }
        var database = cluster ? 0 : config["redis_database"]?.GetValue<int>() ?? 0;
        var identity = string.Join('|', policy, string.Join(',', options.EndPoints.Select(e => e.ToString())), database, options.User ?? "",
            Digest(options.Password), options.Ssl, verify, timeout);
        return new RedisTarget(options, identity, database);
    }

    private static string? Text(JsonObject config, string name) => config[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>Passwords only ever leave as a digest (connections with different passwords are kept apart).</summary>
    private static string Digest(string? secret) =>
        secret is null ? "" : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret))[..8]);

    /// <summary>The database to send commands to; the connection is opened on first use.</summary>
    public async Task<IDatabase> DatabaseAsync()
    {
        var connection = Connections.GetOrAdd(_identity, _ => new Lazy<Task<ConnectionMultiplexer>>(() => ConnectionMultiplexer.ConnectAsync(_options)));
        return (await connection.Value).GetDatabase(_database);
    }

    /// <summary>Whether <paramref name="error"/> is the Redis being unreachable, slow or refusing (not a bug of ours).</summary>
    public static bool IsRedisFailure(Exception error) => error is RedisException or TimeoutException or System.Net.Sockets.SocketException;
}
