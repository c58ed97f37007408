using System.Security.Cryptography;
using System.Text;
using OrleansGateway.Configuration;

namespace OrleansGateway.Silo.AdminApi;

/// <summary>
/// The Admin API keys. There is no default key: without <c>deployment.admin.admin_key</c> one is generated on first
/// start, saved to <c>{data_dir}/admin_key</c> (mode 0600) and reused afterwards. The key itself is never logged.
/// </summary>
public sealed class AdminKeyStore
{
    private readonly IReadOnlyList<(byte[] Key, AdminKey Entry)> _keys;

    public AdminKeyStore(GatewayConfig config, ILogger<AdminKeyStore> logger)
    {
        var keys = config.AdminKeys;
        if (keys.Count == 0)
        {
            keys = [new AdminKey("admin", LoadOrGenerate(config.DataDir, logger), "admin")];
        }
        _keys = keys.Select(k => (Encoding.UTF8.GetBytes(k.Key), k)).ToList();
    }

    /// <summary>The file a generated key is kept in.</summary>
    public static string KeyFile(string dataDir) => Path.GetFullPath(Path.Combine(dataDir, "admin_key"));

    /// <summary>The entry whose key equals <paramref name="presented"/> (constant-time compare), or null.</summary>
    public AdminKey? Find(string? presented)
    {
        if (string.IsNullOrEmpty(presented))
        {
            return null;
        }
        var bytes = Encoding.UTF8.GetBytes(presented);
        AdminKey? found = null;
        foreach (var (key, entry) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(key, bytes))
            {
                found = entry;
            }
        }
        return found;
    }

    private static string LoadOrGenerate(string dataDir, ILogger logger)
    {
        var path = KeyFile(dataDir);
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path).Trim();
            if (existing.Length >= 16)
            {
                logger.LogInformation("Admin API key loaded from {Path} (no deployment.admin.admin_key configured)", path);
                return existing;
            }
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temp, options))
        {
            stream.Write(Encoding.UTF8.GetBytes(key + "\n"));
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        logger.LogWarning("No deployment.admin.admin_key configured: generated an Admin API key and saved it to {Path}; send it as the X-API-KEY header", path);
        return key;
    }
}
