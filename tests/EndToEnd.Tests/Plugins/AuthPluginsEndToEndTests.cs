using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.Plugins;

/// <summary>
/// The authentication plugins end to end: an APISIX-shaped configuration imported whole through
/// <c>PUT /apisix/admin/configs</c> of a real silo, its credentials sealed at rest, followed by a real data plane in
/// front of a real upstream, which authenticates basic-auth, jwt-auth (HS256 and RS256) and hmac-auth requests and
/// restricts consumers as APISIX does.
/// </summary>
public sealed class AuthPluginsEndToEndTests(AuthGatewayFixture fixture) : IClassFixture<AuthGatewayFixture>
{
    private async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> Send(HttpRequestMessage request)
    {
        var response = await fixture.Dp.Proxy.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null, response);
    }

    private static HttpRequestMessage Get(string path, string? authorization = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }
        return request;
    }

    private static string Basic(string user, string password) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

    [Fact]
    public async Task Basic_auth_lets_the_right_password_through_hidden_from_the_upstream_and_challenges_the_rest()
    {
        var ok = await Send(Get("/basic", Basic("jack", "jack-pass")));
        Assert.Equal(HttpStatusCode.OK, ok.Status);
        Assert.Equal("jack", ok.Body!["headers"]!["x-consumer-username"]!.GetValue<string>());
        Assert.Null(ok.Body["headers"]!["authorization"]); // hide_credentials

        var wrong = await Send(Get("/basic", Basic("jack", "jill-pass")));
        Assert.Equal((HttpStatusCode.Unauthorized, "Invalid user authorization"), (wrong.Status, wrong.Body!["message"]!.GetValue<string>()));
        Assert.Equal("Basic realm=\"basic\"", wrong.Response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task Jwt_auth_takes_hs256_and_rs256_tokens_and_refuses_expired_ones()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var hs = await Send(Get("/jwt", "Bearer " + Hs256("my-secret-key", $$"""{"key":"jack-jwt","exp":{{now + 300}}}""")));
        Assert.Equal((HttpStatusCode.OK, "jack"), (hs.Status, hs.Body!["headers"]!["x-consumer-username"]!.GetValue<string>()));

        var rsToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["key"] = "svc-jwt" },
            Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(fixture.Rsa), SecurityAlgorithms.RsaSha256),
        });
        var rs = await Send(Get($"/jwt?jwt={rsToken}"));
        Assert.True(rs.Status == HttpStatusCode.OK, $"{rs.Status}: {rs.Body?.ToJsonString()}");
        Assert.Equal("service", rs.Body!["headers"]!["x-consumer-username"]!.GetValue<string>());

        var expired = await Send(Get("/jwt", Hs256("my-secret-key", $$"""{"key":"jack-jwt","exp":{{now - 300}}}""")));
        Assert.Equal((HttpStatusCode.Unauthorized, "failed to verify jwt"), (expired.Status, expired.Body!["message"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(Get("/jwt", Hs256("another-secret", """{"key":"jack-jwt"}""")))).Status);
    }

    private static string Hs256(string secret, string payload)
    {
        var head = Base64UrlEncoder.Encode("""{"alg":"HS256","typ":"JWT"}""");
        var body = Base64UrlEncoder.Encode(payload);
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes($"{head}.{body}"));
        return $"{head}.{body}.{Base64UrlEncoder.Encode(signature)}";
    }

    [Fact]
    public async Task Hmac_auth_checks_the_signature_and_the_body_digest_and_the_upstream_gets_the_body()
    {
        HttpRequestMessage Signed(string body, string digestOf)
        {
            var date = DateTimeOffset.UtcNow.ToString("r", CultureInfo.InvariantCulture);
            var signingString = $"jill-hmac\nPOST /hmac?x=1\ndate: {date}\n";
            var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes("jill-hmac-secret"), Encoding.UTF8.GetBytes(signingString)));
            var request = new HttpRequestMessage(HttpMethod.Post, "/hmac?x=1") { Content = new StringContent(body, Encoding.UTF8, "text/plain") };
            request.Headers.TryAddWithoutValidation("Authorization", $"Signature keyId=\"jill-hmac\",algorithm=\"hmac-sha256\",headers=\"@request-target date\",signature=\"{signature}\"");
            request.Headers.TryAddWithoutValidation("Date", date);
            request.Headers.TryAddWithoutValidation("Digest", "SHA-256=" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(digestOf))));
            return request;
        }

        var ok = await Send(Signed("hello", "hello"));
        Assert.Equal((HttpStatusCode.OK, "jill", "hello"), (ok.Status, ok.Body!["headers"]!["x-consumer-username"]!.GetValue<string>(), ok.Body["body"]!.GetValue<string>()));
        var tampered = await Send(Signed("hello!", "hello"));
        Assert.Equal((HttpStatusCode.Unauthorized, "client request can't be validated"), (tampered.Status, tampered.Body!["message"]!.GetValue<string>()));
        var unsigned = await Send(new HttpRequestMessage(HttpMethod.Post, "/hmac"));
        Assert.Equal("client request can't be validated: missing Authorization header", unsigned.Body!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Consumer_restriction_lets_only_the_whitelisted_group_in()
    {
        Assert.Equal(HttpStatusCode.OK, (await Send(Get("/partners", Basic("jack", "jack-pass")))).Status);
        var jill = await Send(Get("/partners", Basic("jill", "jill-pass")));
        Assert.Equal((HttpStatusCode.Unauthorized, "The request is rejected, please check the consumer_group_id for this request"),
            (jill.Status, jill.Body!["message"]!.GetValue<string>())); // jill is in no group
    }

    [Fact]
    public async Task Credentials_are_sealed_at_rest_read_back_in_clear_and_a_bad_one_is_refused_with_apisix_text()
    {
        var export = JsonNode.Parse(await fixture.Admin.GetStringAsync("/apisix/admin/configs"))!;
        var jill = export["consumers"]!.AsArray().Single(c => c!["username"]!.GetValue<string>() == "jill")!;
        Assert.StartsWith("$enc:v1:", jill["plugins"]!["basic-auth"]!["password"]!.GetValue<string>());
        Assert.StartsWith("$enc:v1:", jill["plugins"]!["hmac-auth"]!["secret_key"]!.GetValue<string>());
        Assert.Equal("jill-hmac", jill["plugins"]!["hmac-auth"]!["key_id"]!.GetValue<string>());
        var read = JsonNode.Parse(await fixture.Admin.GetStringAsync("/apisix/admin/consumers/jack"))!;
        Assert.Equal("my-secret-key", read["value"]!["plugins"]!["jwt-auth"]!["secret"]!.GetValue<string>());

        var bad = await fixture.Admin.PutAsync("/apisix/admin/consumers", AuthGatewayFixture.Json("""{"username":"kerouac","plugins":{"jwt-auth":{"key":"user-key-rs256","algorithm":"RS256"}}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("invalid plugins configuration: failed to check the configuration of plugin jwt-auth err: failed to validate dependent schema for \"algorithm\": value should match only one schema, but matches none",
            JsonNode.Parse(await bad.Content.ReadAsStringAsync())!["error_msg"]!.GetValue<string>());
        var duplicate = await fixture.Admin.PutAsync("/apisix/admin/consumers", AuthGatewayFixture.Json("""{"username":"copycat","plugins":{"basic-auth":{"username":"jack","password":"x"}}}"""));
        Assert.Equal("duplicate username of plugin basic-auth found with consumer: jack",
            JsonNode.Parse(await duplicate.Content.ReadAsStringAsync())!["error_msg"]!.GetValue<string>());
    }
}

/// <summary>One silo and one data plane for the authentication tests, configured by one bulk import.</summary>
public sealed class AuthGatewayFixture : IAsyncLifetime
{
    public RSA Rsa { get; } = RSA.Create(2048);
    private S3rverProcess _s3 = null!;
    private EchoUpstream _echo = null!;
    private SiloProcess _silo = null!;
    public DataPlaneProcess Dp { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;

    internal static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public async Task InitializeAsync()
    {
        _s3 = await S3rverProcess.StartAsync("res-bucket", "cfg-bucket");
        _echo = await EchoUpstream.StartAsync();
        var env = _s3.SiloEnvironment("res-bucket", "cfg-bucket", "@every 1s");
        _silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-auth"), extraEnv: env);
        Admin = _silo.AdminClient();
        var config = new JsonObject
        {
            ["upstreams"] = new JsonArray(new JsonObject { ["id"] = "1", ["nodes"] = new JsonObject { [_echo.Address] = 1 } }),
            ["consumer_groups"] = new JsonArray(JsonNode.Parse("""{"id":"partners","plugins":{}}""")),
            ["consumers"] = new JsonArray(
                JsonNode.Parse("""{"username":"jack","group_id":"partners","plugins":{"basic-auth":{"username":"jack","password":"jack-pass"},"jwt-auth":{"key":"jack-jwt","secret":"my-secret-key"}}}"""),
                JsonNode.Parse("""{"username":"jill","plugins":{"basic-auth":{"username":"jill","password":"jill-pass"},"hmac-auth":{"key_id":"jill-hmac","secret_key":"jill-hmac-secret"}}}"""),
                new JsonObject
                {
                    ["username"] = "service",
                    ["plugins"] = new JsonObject { ["jwt-auth"] = new JsonObject { ["key"] = "svc-jwt", ["algorithm"] = "RS256", ["public_key"] = Rsa.ExportSubjectPublicKeyInfoPem() } },
                }),
            ["routes"] = new JsonArray(
                JsonNode.Parse("""{"id":"basic","uri":"/basic","upstream_id":"1","plugins":{"basic-auth":{"hide_credentials":true}}}"""),
                JsonNode.Parse("""{"id":"jwt","uri":"/jwt","upstream_id":"1","plugins":{"jwt-auth":{}}}"""),
                JsonNode.Parse("""{"id":"hmac","uri":"/hmac","upstream_id":"1","plugins":{"hmac-auth":{"validate_request_body":true}}}"""),
                JsonNode.Parse("""{"id":"partners-only","uri":"/partners","upstream_id":"1","plugins":{"basic-auth":{},"consumer-restriction":{"type":"consumer_group_id","whitelist":["partners"],"rejected_msg":"partners only"}}}""")),
        };
        var imported = await Admin.PutAsync("/apisix/admin/configs", Json(config.ToJsonString()));
        Assert.True(imported.IsSuccessStatusCode, await imported.Content.ReadAsStringAsync());

        env = DataPlaneEnvironment.Following(_silo, env);
        Dp = await DataPlaneProcess.StartAsync(RepoPaths.TempFolder("og-auth-dp"), env);
        await Dp.Process.WaitUntilAsync(async () => (await Dp.Proxy.GetAsync("/basic")).StatusCode == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(30), "the routes applied");
    }

    public async Task DisposeAsync()
    {
        Admin.Dispose();
        await Dp.DisposeAsync();
        await _silo.DisposeAsync();
        await _echo.DisposeAsync();
        await _s3.DisposeAsync();
        Rsa.Dispose();
    }
}
