using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Snapshots;
using OrleansGateway.Snapshots.Stores;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.Security;

/// <summary>
/// No consumer key or private key in clear at rest: the rows of a real SQLite file and a real PostgreSQL database, the
/// snapshot objects in a real S3 server and a data plane's local cache are read raw; the data plane still authenticates
/// with the key (it opens it with the keyring its configuration carries), and refuses a snapshot whose keyring does not
/// open its secrets while it keeps serving what it had.
/// </summary>
public class SecretsAtRestTests
{
    private const string ConsumerKey = "consumer-key-never-in-clear-7d1f";

    private static StringContent Json(JsonNode json) => new(json.ToJsonString(), Encoding.UTF8, "application/json");

    /// <summary>A consumer with a key-auth key, a server ssl and an upstream with an inline client key.</summary>
    private static async Task<(string SslKeyLine, string ClientKeyLine)> WriteSecretsAsync(HttpClient admin, string upstreamAddress)
    {
        var pki = TestPki.Shared;
        var server = pki.Issue("secrets-at-rest-server", [], server: true);
        var client = pki.Issue("secrets-at-rest-client", [], server: false);
        var serverKey = File.ReadAllText(server.Key);
        var clientKey = File.ReadAllText(client.Key);
        await Ok(admin.PutAsync("/apisix/admin/consumers", Json(new JsonObject
        {
            ["username"] = "jack",
            ["plugins"] = new JsonObject { ["key-auth"] = new JsonObject { ["key"] = ConsumerKey } },
        })));
        await Ok(admin.PutAsync("/apisix/admin/ssls/1", Json(new JsonObject
        {
            ["sni"] = "secrets.test", ["cert"] = File.ReadAllText(server.Cert), ["key"] = serverKey,
        })));
        await Ok(admin.PutAsync("/apisix/admin/upstreams/1", Json(new JsonObject
        {
            ["nodes"] = new JsonObject { [upstreamAddress] = 1 },
            ["tls"] = new JsonObject { ["client_cert"] = File.ReadAllText(client.Cert), ["client_key"] = clientKey },
        })));
        await Ok(admin.PutAsync("/apisix/admin/routes/auth", Json(JsonNode.Parse("""{"uri":"/auth","upstream_id":"1","plugins":{"key-auth":{}}}""")!)));
        // A line from the middle of each PEM key: its body, which any copy in clear would contain.
        static string Line(string pem) => pem.Split('\n')[2].Trim();
        return (Line(serverKey), Line(clientKey));
    }

    private static async Task<JsonNode> Ok(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!;
    }

    private static void AssertNoneInClear(string where, string text, params string[] secrets)
    {
        foreach (var secret in secrets)
        {
            Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{where} holds a secret in clear: {secret[..8]}…");
        }
    }

    private static string ReadAllFiles(string folder) =>
        string.Concat(Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => { try { return Encoding.Latin1.GetString(File.ReadAllBytes(f)); } catch (IOException) { return ""; } }));

    private static async Task<int> StatusOf(DataPlaneProcess dp, string apikey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/auth");
        request.Headers.Add("apikey", apikey);
        using var response = await dp.Proxy.SendAsync(request);
        return (int)response.StatusCode;
    }

    [Fact]
    public async Task Sqlite_s3_and_the_local_cache_hold_no_secret_in_clear_and_a_snapshot_that_does_not_open_is_refused()
    {
        await using var s3 = await S3rverProcess.StartAsync("res-bucket", "cfg-bucket");
        await using var echo = await EchoUpstream.StartAsync();
        var siloDir = RepoPaths.TempFolder("og-secrets-silo");
        var silo = await SiloProcess.StartAsync(siloDir, extraEnv: s3.SiloEnvironment("res-bucket", "cfg-bucket", "@every 1s"));
        using var admin = silo.AdminClient();
        var (sslKeyLine, clientKeyLine) = await WriteSecretsAsync(admin, echo.Address);
        string[] secrets = [ConsumerKey, sslKeyLine, clientKeyLine];

        var dpDir = RepoPaths.TempFolder("og-secrets-dp");
        var dpEnv = s3.SiloEnvironment("res-bucket", "cfg-bucket", "@every 1s");
        dpEnv["deployment__role"] = "data_plane";
        dpEnv["deployment__orleans__gateways__0"] = $"127.0.0.1:{silo.GatewayPort}";
        dpEnv["fallback_cp__fallback_after"] = "2s";
        dpEnv["fallback_cp__poll_interval"] = "500ms";
        await using var dp = await DataPlaneProcess.StartAsync(dpDir, dpEnv);
        await dp.Process.WaitUntilAsync(async () => await StatusOf(dp, ConsumerKey) == 200, TimeSpan.FromSeconds(30), "the consumer's key accepted by the data plane");
        Assert.Equal(401, await StatusOf(dp, "not-the-key"));

        // A keyring rotation re-encrypts every secret in one version; the data plane loads it whole and still opens them.
        var rotated = await Ok(admin.PutAsync("/api/gateway_groups/default/config",
            Json(JsonNode.Parse("""{"data_encryption":{"keyring":["rotated-key-for-the-e2e-test-0001"]}}""")!)));
        var rotatedVersion = rotated["version"]!.GetValue<long>();
        await dp.Process.WaitUntilAsync(async () => JsonNode.Parse(await dp.Status.GetStringAsync("/status"))!["version"]!.GetValue<long>() >= rotatedVersion,
            TimeSpan.FromSeconds(15), "the data plane at the rotated keyring's version");
        Assert.Equal(200, await StatusOf(dp, ConsumerKey));
        Assert.Null(JsonNode.Parse(await dp.Status.GetStringAsync("/status"))!["apply_error"]);

        var version = JsonNode.Parse(await admin.GetStringAsync("/api/gateway_groups/default"))!["version"]!.GetValue<long>();
        await silo.Process.WaitUntilAsync(async () =>
            JsonNode.Parse(await admin.GetStringAsync("/api/gateway_groups/default/snapshots"))!["status"]!["last_version"]?.GetValue<long>() >= version,
            TimeSpan.FromSeconds(20), "a snapshot of the secrets");
        await dp.Process.WaitUntilAsync(() => Task.FromResult(Directory.EnumerateFiles(dpDir, "config-cache-*.json").Any()), TimeSpan.FromSeconds(10), "the local cache written");

        // Raw: the silo's SQLite files (database and write-ahead log), every object in S3, the data plane's cache.
        AssertNoneInClear("the SQLite files", ReadAllFiles(siloDir), secrets);
        AssertNoneInClear("the data plane's folder", ReadAllFiles(dpDir), secrets);
        AssertNoneInClear("the S3 objects", ReadAllFiles(s3.Directory), secrets);
        // Decoded: the snapshot documents themselves (compressed in their objects).
        using var store = new S3SnapshotStore(s3.StoreConfig("res-bucket", "cfg-bucket"));
        var layout = new SnapshotLayout("res-bucket", "cfg-bucket");
        var resources = (await SnapshotReader.ReadVersionAsync(store, layout, "default", SnapshotLayout.Resources, version, null, CancellationToken.None))!;
        AssertNoneInClear("the resource snapshot", resources.DataJson, secrets);
        Assert.Contains("$enc:v1:", resources.DataJson);
        var config = (await SnapshotReader.ReadVersionAsync(store, layout, "default", SnapshotLayout.Config, version, null, CancellationToken.None))!;
        Assert.Contains("keyring", config.DataJson); // the keyring lives in the config bucket, apart from what it opens

        // The control plane goes; the data plane serves from S3. A newer snapshot whose keyring does not open its
        // secrets is refused, said in /status, and what is served stays.
        await silo.DisposeAsync();
        await dp.Process.WaitUntilAsync(async () => JsonNode.Parse(await dp.Status.GetStringAsync("/status"))!["mode"]!.GetValue<string>() == "fallback",
            TimeSpan.FromSeconds(30), "fallback mode");
        var served = JsonNode.Parse(await dp.Status.GetStringAsync("/status"))!["version"]!.GetValue<long>();
        var writer = new SnapshotWriter(store, layout, null, 10, TimeProvider.System);
        var stored = ResourceSetOf(resources.DataJson);
        await writer.WriteAsync(new GroupExport("default", served + 5, stored, """{"data_encryption":{"keyring":["a-keyring-that-opens-nothing-here"]}}"""), CancellationToken.None);
        await dp.Process.WaitUntilAsync(async () => JsonNode.Parse(await dp.Status.GetStringAsync("/status"))!["apply_error"] is JsonValue,
            TimeSpan.FromSeconds(20), "the snapshot refused");
        var status = JsonNode.Parse(await dp.Status.GetStringAsync("/status"))!;
        Assert.Contains("cannot decrypt consumers \"jack\" plugins.key-auth.key", status["apply_error"]!.GetValue<string>());
        Assert.Equal("refused", status["last_poll"]!["result"]!.GetValue<string>());
        Assert.Equal(served, status["version"]!.GetValue<long>());
        Assert.Equal(200, await StatusOf(dp, ConsumerKey));
    }

    /// <summary>A standalone set's items as stored resources (the text as it is: still sealed).</summary>
    private static List<StoredResource> ResourceSetOf(string standaloneJson)
    {
        var set = JsonNode.Parse(standaloneJson)!.AsObject();
        var items = new List<StoredResource>();
        foreach (var kind in ResourceKinds.All)
        {
            foreach (var item in set[kind.PathName()] as JsonArray ?? [])
            {
                items.Add(new StoredResource(kind, ResourceIds.Text(item![kind.IdField()])!, item.ToJsonString(), 1, 1));
            }
        }
        return items;
    }

    [Fact]
    public async Task PostgreSql_rows_hold_no_secret_in_clear()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        await using var echo = await EchoUpstream.StartAsync();
        const string key = "pg-secrets-admin-key-0123456789";
        var silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-secrets-pg"), extraEnv: new Dictionary<string, string>
        {
            ["deployment__orleans__postgresql__connection_string"] = db.ConnectionString,
            ["deployment__orleans__cluster_id"] = db.Name,
            ["deployment__admin__admin_key__0__key"] = key,
        }.SetAll(TestPki.Shared.SiloEnv()));
        await using var _ = silo;
        using var admin = silo.AdminClient();
        var (sslKeyLine, clientKeyLine) = await WriteSecretsAsync(admin, echo.Address);

        await using var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT string_agg(value, '') FROM og_resources", connection);
        var rows = (string)(await command.ExecuteScalarAsync())!;
        Assert.Contains("$enc:v1:", rows);
        AssertNoneInClear("the PostgreSQL rows", rows, ConsumerKey, sslKeyLine, clientKeyLine);
        // The Admin API reads the consumer's key back as APISIX does; the private keys never.
        var jack = await Ok(admin.GetAsync("/apisix/admin/consumers/jack"));
        Assert.Equal(ConsumerKey, jack["value"]!["plugins"]!["key-auth"]!["key"]!.GetValue<string>());
        Assert.Null((await Ok(admin.GetAsync("/apisix/admin/ssls/1")))["value"]!["key"]);
        var upstream = await Ok(admin.GetAsync("/apisix/admin/upstreams/1"));
        Assert.Null(upstream["value"]!["tls"]!["client_key"]);
        Assert.NotNull(upstream["value"]!["tls"]!["client_cert"]);
    }
}
