using System.Net;
using Microsoft.Extensions.Configuration;
using OrleansGateway.Configuration.Certificates;
using OrleansGateway.Contracts.Scheduling;
using OrleansGateway.Contracts.Snapshots;

namespace OrleansGateway.Configuration;

/// <summary>Builds and validates <see cref="GatewayConfig"/> from configuration; throws <see cref="GatewayConfigException"/>.</summary>
public static class GatewayConfigLoader
{
    /// <summary>The file used when <c>--config</c> is not given.</summary>
    public const string DefaultPath = "conf/config.yaml";

    /// <summary>Adds the YAML file named by <c>--config PATH</c> (or the default, optional) and environment overrides.</summary>
    public static IConfigurationBuilder AddGatewayConfig(this IConfigurationBuilder builder, string[] args)
    {
        var path = ConfigPath(args);
        builder.Add(new YamlConfigurationSource(path ?? DefaultPath, optional: path is null));
        builder.AddEnvironmentVariables();
        return builder;
    }

    /// <summary>The value of <c>--config PATH</c> or <c>--config=PATH</c>, if given.</summary>
    public static string? ConfigPath(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--config" && i + 1 < args.Length)
            {
                return args[i + 1];
            }
            if (args[i].StartsWith("--config=", StringComparison.Ordinal))
            {
                return args[i]["--config=".Length..];
            }
        }
        return null;
    }

    /// <summary>
    /// For a host's Program: adds the YAML file and environment to <paramref name="configuration"/> and loads it; a bad
    /// value prints one line naming the key and value to stderr and returns false (the host exits with 2).
    /// </summary>
    public static bool TryLoadForHost(IConfigurationManager configuration, string[] args, string hostName, out GatewayConfig config)
    {
        try
        {
            configuration.AddGatewayConfig(args);
            config = Load(configuration);
            if (config.UnusedKeys.Count > 0)
            {
                // Not an error: APISIX config files carry settings this gateway has no use for (etcd, nginx …).
                Console.Error.WriteLine($"{hostName}: warning: configuration keys not used (a typo, or an APISIX setting this gateway does not have): {string.Join(", ", config.UnusedKeys)}");
            }
            foreach (var warning in OrleansTransportStatus.Warnings(config))
            {
                Console.Error.WriteLine($"{hostName}: warning: {warning}");
            }
            return true;
        }
        catch (GatewayConfigException e)
        {
            Console.Error.WriteLine($"{hostName}: {e.Message}");
            config = new GatewayConfig();
            return false;
        }
    }

    /// <summary>Reads and validates everything.</summary>
    public static GatewayConfig Load(IConfiguration configuration)
    {
        var r = new ConfigReader(configuration);
        var config = new GatewayConfig
        {
            Role = r.OneOf("deployment:role", "traditional", "traditional", "control_plane", "data_plane"),
            DataDir = r.String("deployment:data_dir", "./data"),
            AdminListen = new IPEndPoint(
                r.Ip("deployment:admin:admin_listen:ip", "127.0.0.1"),
                r.Int("deployment:admin:admin_listen:port", 9180, 1, 65535)),
            AdminKeys = AdminKeys(r),
            AdminHttps = AdminHttps(r),
            AdminMaxBodyBytes = r.Int("deployment:admin:max_body_bytes", 32 * 1024 * 1024, 1024, int.MaxValue),
            AdminCors = r.Bool("deployment:admin:enable_admin_cors", true),
            Audit = Audit(r),
            Dashboard = DashboardConfig.Read(r),
            ConsoleEnabled = r.Bool("deployment:admin:console:enabled", true),
            NodeListeners = NodeListeners(r),
            Control = new IPEndPoint(r.Ip("apisix:control:ip", "127.0.0.1"), r.Int("apisix:control:port", 9090, 1, 65535)),
            MaxPostArgsReadableBytes = r.Int("apisix:max_post_args_readable_size", 64, 0, 1024 * 1024) * 1024L * 1024,
            GatewayGroupId = GroupId(r),
            ConfigProvider = r.OneOf("deployment:role_data_plane:config_provider", "control_plane", "control_plane", "yaml"),
            Orleans = Orleans(r),
            Certs = Certs(r),
            FallbackCp = FallbackCp(r),
            SqliteSynchronousFull = r.OneOf("deployment:sqlite:synchronous", "FULL", "FULL", "NORMAL") == "FULL",
            // Last: initializers run in order, so every key above has been read.
            UnusedKeys = r.Unread("deployment", "apisix", "fallback_cp"),
        };
        return OrleansTransport.Check(config);
    }

    private static AdminHttpsConfig? AdminHttps(ConfigReader r)
    {
        const string p = AdminHttpsConfig.Prefix;
        var https = r.Bool("deployment:admin:https_admin", false);
        var cert = r.OptionalString(p + "admin_ssl_cert");
        var key = r.OptionalString(p + "admin_ssl_cert_key");
        var ca = r.OptionalString(p + "admin_ssl_ca_cert");
        if (!https)
        {
            return cert is null && key is null && ca is null ? null
                : throw ConfigReader.Invalid("deployment:admin:https_admin", "false", "deployment.admin.admin_api_mtls is set but https_admin is not true: set https_admin: true, or remove admin_api_mtls");
        }
        if (cert is null || key is null)
        {
            throw ConfigReader.Invalid(p + (cert is null ? "admin_ssl_cert" : "admin_ssl_cert_key"), "", "https_admin: true needs admin_api_mtls.admin_ssl_cert and admin_ssl_cert_key (PEM files)");
        }
        var config = new AdminHttpsConfig(cert, key, ca);
        config.Load(); // a bad file stops the start, naming its key
        return config;
    }

    private static CertsConfig? Certs(ConfigReader r)
    {
        const string p = "deployment:certs:";
        var cert = r.OptionalString(p + "cert");
        var key = r.OptionalString(p + "cert_key");
        var ca = r.OptionalString(p + "trusted_ca_cert");
        if (cert is null && key is null && ca is null)
        {
            return null;
        }
        var missing = new[] { ("cert", cert), ("cert_key", key), ("trusted_ca_cert", ca) }.FirstOrDefault(e => e.Item2 is null);
        if (missing.Item1 is not null)
        {
            throw ConfigReader.Invalid(p + missing.Item1, "", "mutual TLS needs all three of deployment.certs.cert, cert_key and trusted_ca_cert (PEM files)");
        }
        return new CertsConfig(cert!, key!, ca!);
    }

    private static string GroupId(ConfigReader r)
    {
        var id = r.String("deployment:gateway_group_id", "default");
        return System.Text.RegularExpressions.Regex.IsMatch(id, "^[a-zA-Z0-9-_.]{1,64}$")
            ? id
            : throw ConfigReader.Invalid("deployment:gateway_group_id", id, "expected 1-64 characters of a-z, A-Z, 0-9, -, _ and .");
    }

    private static IReadOnlyList<AdminKey> AdminKeys(ConfigReader r)
    {
        var keys = new List<AdminKey>();
        foreach (var entry in r.Children("deployment:admin:admin_key"))
        {
            var path = entry.Path;
            var key = r.OptionalString($"{path}:key");
            if (string.IsNullOrWhiteSpace(key))
            {
                throw ConfigReader.Invalid($"{path}:key", key, "an admin key needs a non-empty key (or remove admin_key to have one generated)");
            }
            if (key.Length < 16)
            {
                throw ConfigReader.Invalid($"{path}:key", "<hidden>", "an admin key must be at least 16 characters");
            }
            if (key == "edd1c9f034335f136f87ad84b625c8f1")
            {
                throw ConfigReader.Invalid($"{path}:key", "<hidden>", "this is APISIX's published default key; set your own or remove admin_key to have one generated");
            }
            var role = r.String($"{path}:role", "admin");
            if (role is not ("admin" or "viewer"))
            {
                throw ConfigReader.Invalid($"{path}:role", role, "expected admin or viewer");
            }
            keys.Add(new AdminKey(r.OptionalString($"{path}:name") ?? $"key{keys.Count + 1}", key, role));
        }
        return keys;
    }

    private static AuditConfig Audit(ConfigReader r)
    {
        const string p = "deployment:admin:audit:";
        var versions = r.Int(p + "max_versions", 10_000, 100, 100_000_000);
        var age = AuditConfig.DefaultMaxAge;
        if (r.OptionalString(p + "max_age") is { } raw)
        {
            var text = raw.Trim();
            var days = text.EndsWith('d') && int.TryParse(text[..^1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var d) ? d : (int?)null;
            if (days is { } n)
            {
                age = TimeSpan.FromDays(n);
            }
            else if (!DurationParser.TryParse(text, out age))
            {
                throw ConfigReader.Invalid(p + "max_age", raw, "expected a duration such as 90d, 720h or 0 (no age limit)");
            }
        }
        return new AuditConfig(versions, age);
    }

    private static FallbackCpConfig FallbackCp(ConfigReader r)
    {
        var spec = r.String("fallback_cp:cron_spec", "@every 1m");
        CronSchedule schedule;
        try
        {
            schedule = CronSchedule.Parse(spec);
        }
        catch (FormatException e)
        {
            throw ConfigReader.Invalid("fallback_cp:cron_spec", spec, e.Message);
        }
        SnapshotKey? key = null;
        if (r.OptionalString("fallback_cp:encryption_key") is { } keyText)
        {
            key = SnapshotKey.TryParse(keyText, out var keyError) ?? throw ConfigReader.Invalid("fallback_cp:encryption_key", "<hidden>", keyError!);
        }
        return new FallbackCpConfig
        {
            AwsS3 = r.Exists("fallback_cp:aws_s3") ? S3(r) : null,
            Schedule = schedule,
            EncryptionKey = key,
            Retain = r.Int("fallback_cp:retain", 10, 1, 10_000),
            Folder = r.OptionalString("fallback_cp:folder"),
            FallbackAfter = r.Duration("fallback_cp:fallback_after", TimeSpan.FromSeconds(5)),
            PollInterval = r.Duration("fallback_cp:poll_interval", TimeSpan.FromSeconds(5)),
        };
    }

    private static S3Config S3(ConfigReader r)
    {
        const string p = "fallback_cp:aws_s3:";
        var accessKey = r.OptionalString(p + "access_key");
        var secretKey = r.OptionalString(p + "secret_key");
        if ((accessKey is null) != (secretKey is null))
        {
            throw ConfigReader.Invalid(p + (accessKey is null ? "access_key" : "secret_key"), "", "set both access_key and secret_key, or neither to use the default AWS credential chain");
        }
        Uri? endpoint = null;
        if (r.OptionalString(p + "endpoint") is { } endpointText &&
            (!Uri.TryCreate(endpointText, UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https")))
        {
            throw ConfigReader.Invalid(p + "endpoint", endpointText, "expected an absolute http:// or https:// URL");
        }
        var sse = r.OptionalString(p + "server_side_encryption");
        if (sse is not null && sse is not ("AES256" or "aws:kms"))
        {
            throw ConfigReader.Invalid(p + "server_side_encryption", sse, "expected AES256 or aws:kms");
        }
        var kms = r.OptionalString(p + "kms_key_id");
        if (kms is not null && sse != "aws:kms")
        {
            throw ConfigReader.Invalid(p + "kms_key_id", kms, "kms_key_id needs server_side_encryption: aws:kms");
        }
        return new S3Config
        {
            AccessKey = accessKey,
            SecretKey = secretKey,
            Region = r.String(p + "region", "us-east-1"),
            ConfigBucket = Bucket(r, p + "config_bucket"),
            ResourceBucket = Bucket(r, p + "resource_bucket"),
            Endpoint = endpoint,
            UsePathStyle = r.Bool(p + "use_path_style", endpoint is not null),
            ServerSideEncryption = sse,
            KmsKeyId = kms,
        };
    }

    private static string Bucket(ConfigReader r, string key)
    {
        var name = r.OptionalString(key) ?? throw ConfigReader.Invalid(key, "", "a bucket name is required");
        return System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
            ? name
            : throw ConfigReader.Invalid(key, name, "expected an S3 bucket name: 3-63 characters of a-z, 0-9, '.' and '-'");
    }

    private static List<NodeListener> NodeListeners(ConfigReader r)
    {
        var entries = r.Children("apisix:node_listen").ToList();
        if (entries.Count == 0)
        {
            return [new NodeListener(r.Int("apisix:node_listen", 9080, 1, 65535), false)];
        }
        if (r.OptionalString("apisix:node_listen") is { } scalar)
        {
            throw ConfigReader.Invalid("apisix:node_listen", scalar, "give either one port or a list of ports, not both (an environment override of a listed value names its index, e.g. apisix__node_listen__0__port)");
        }
        var listeners = entries
            .OrderBy(e => int.TryParse(e.Key, out var i) ? i : int.MaxValue)
            .Select(e => e.Value is not null
                ? new NodeListener(r.Int(e.Path, 0, 1, 65535), false)
                : new NodeListener(r.Int($"{e.Path}:port", 0, 1, 65535), r.Bool($"{e.Path}:enable_http2", false)))
            .ToList();
        if (listeners.FindIndex(l => l.Port == 0) is var missing and >= 0)
        {
            throw ConfigReader.Invalid($"apisix:node_listen:{missing}:port", null, "expected a port for each node_listen entry");
        }
        if (listeners.GroupBy(l => l.Port).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw ConfigReader.Invalid("apisix:node_listen", twice.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), "a port may be listed once");
        }
        return listeners;
    }

    private static OrleansConfig Orleans(ConfigReader r)
    {
        var gateways = new List<IPEndPoint>();
        foreach (var entry in r.Children("deployment:orleans:gateways"))
        {
            var text = r.OptionalString(entry.Path);
            if (text is null || !IPEndPoint.TryParse(text, out var endpoint) || endpoint.Port == 0)
            {
                throw ConfigReader.Invalid(entry.Path, text, "expected ip:port, e.g. 127.0.0.1:30000");
            }
            gateways.Add(endpoint);
        }
        return new OrleansConfig
        {
            ClusterId = r.String("deployment:orleans:cluster_id", "orleans-gateway"),
            ServiceId = r.String("deployment:orleans:service_id", "orleans-gateway"),
            SiloPort = r.Int("deployment:orleans:silo_port", 11111, 1, 65535),
            GatewayPort = r.Int("deployment:orleans:gateway_port", 30000, 1, 65535),
            AdvertisedIp = r.Ip("deployment:orleans:advertised_ip", "127.0.0.1"),
            Gateways = gateways,
            PostgreSqlConnectionString = r.OptionalString("deployment:orleans:postgresql:connection_string"),
            AllowInsecure = r.Bool("deployment:orleans:allow_insecure", false),
        };
    }
}
