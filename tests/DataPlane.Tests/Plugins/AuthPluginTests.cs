using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static OrleansGateway.DataPlane.Tests.Plugins.PluginHarness;

namespace OrleansGateway.DataPlane.Tests.Plugins;

/// <summary>basic-auth, jwt-auth and key-auth as APISIX's t/plugin tests have them: answers, challenges, anonymous consumers.</summary>
public class AuthPluginTests
{
    private static string Basic(string userPass) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(userPass));

    [Fact]
    public async Task Basic_auth_answers_as_apisix_and_attaches_the_consumer()
    {
        var gateway = new PluginHarness(
            Consumer("jack", """{"basic-auth":{"username":"jack","password":"s3cret"}}"""),
            Route("basic", """{"basic-auth":{}}"""),
            Route("hidden", """{"basic-auth":{"hide_credentials":true,"realm":"shop"}}"""));

        var missing = await gateway.RunAsync("/basic");
        Assert.Equal((401, """{"message":"Missing authorization in request"}"""), (missing.Answered, missing.Body));
        Assert.Equal("Basic realm=\"basic\"", missing.ResponseHeaders.WWWAuthenticate.ToString());
        Assert.Equal("""{"message":"Invalid authorization in request"}""", (await gateway.RunAsync("/basic", r => r.Headers.Authorization = "Basic !!!")).Body);
        Assert.Equal("""{"message":"Invalid authorization in request"}""", (await gateway.RunAsync("/basic", r => r.Headers.Authorization = Basic("no-colon"))).Body);
        Assert.Equal("""{"message":"Invalid user authorization"}""", (await gateway.RunAsync("/basic", r => r.Headers.Authorization = Basic("jack:wrong"))).Body);
        Assert.Equal("""{"message":"Invalid user authorization"}""", (await gateway.RunAsync("/basic", r => r.Headers.Authorization = Basic("jill:s3cret"))).Body);

        var ok = await gateway.RunAsync("/basic", r => r.Headers.Authorization = Basic("jack:s3cret"));
        Assert.Equal((null, "jack"), (ok.Answered, ok.Consumer));
        Assert.Equal("jack", ok.Request.Headers["X-Consumer-Username"].ToString());
        Assert.NotEmpty(ok.Request.Headers.Authorization.ToString()); // kept unless hide_credentials
        Assert.Null((await gateway.RunAsync("/basic", r => r.Headers.Authorization = "bAsIc " + Convert.ToBase64String(Encoding.UTF8.GetBytes("jack:s3cret")))).Answered);

        var hidden = await gateway.RunAsync("/hidden", r => r.Headers.Authorization = Basic("jack:s3cret"));
        Assert.Equal((null, ""), (hidden.Answered, hidden.Request.Headers.Authorization.ToString()));
        Assert.Equal("Basic realm=\"shop\"", (await gateway.RunAsync("/hidden")).ResponseHeaders.WWWAuthenticate.ToString());
    }

    [Fact]
    public async Task An_anonymous_consumer_stands_in_for_a_failed_authentication_and_a_missing_one_is_refused()
    {
        var gateway = new PluginHarness(
            Consumer("jack", """{"key-auth":{"key":"jack-key"}}"""),
            Consumer("guest", """{"limit-count":{"count":1,"time_window":60,"rejected_code":429,"key_type":"constant","key":"guests"}}"""),
            Route("anon", """{"key-auth":{"anonymous_consumer":"guest","hide_credentials":true}}"""),
            Route("ghost", """{"basic-auth":{"anonymous_consumer":"nobody"}}"""));

        var first = await gateway.RunAsync("/anon?apikey=wrong");
        Assert.Equal((null, "guest"), (first.Answered, first.Consumer));
        Assert.Equal("guest", first.Request.Headers["X-Consumer-Username"].ToString());
        Assert.Equal("", first.Request.QueryString.Value ?? ""); // the wrong key is not forwarded either
        Assert.Equal(429, (await gateway.RunAsync("/anon")).Answered); // the guest's own plugins apply
        Assert.Equal((null, "jack"), ((await gateway.RunAsync("/anon", r => r.Headers["apikey"] = "jack-key")) is var j ? (j.Answered, j.Consumer) : default));

        var ghost = await gateway.RunAsync("/ghost");
        Assert.Equal((401, """{"message":"Invalid user authorization"}"""), (ghost.Answered, ghost.Body));
        Assert.Equal("Basic realm=\"basic\"", ghost.ResponseHeaders.WWWAuthenticate.ToString());
    }

    [Fact]
    public async Task Key_auth_challenges_with_its_realm_and_a_client_cannot_bring_its_own_credential_headers()
    {
        var gateway = new PluginHarness(Consumer("jack", """{"key-auth":{"key":"jack-key"}}"""), Route("k", """{"key-auth":{}}"""));
        var missing = await gateway.RunAsync("/k");
        Assert.Equal((401, """{"message":"Missing API key in request"}""", "apikey realm=\"key\""), (missing.Answered, missing.Body, missing.ResponseHeaders.WWWAuthenticate.ToString()));
        var ok = await gateway.RunAsync("/k", r =>
        {
            r.Headers["apikey"] = "jack-key";
            r.Headers["X-Consumer-Username"] = "admin";
            r.Headers["X-Credential-Identifier"] = "forged";
        });
        Assert.Equal("jack", ok.Request.Headers["X-Consumer-Username"].ToString());
        Assert.False(ok.Request.Headers.ContainsKey("X-Credential-Identifier"));
    }

    private static string Hs(string alg, string secret, string payload, string header = "")
    {
        var head = Base64UrlEncoder.Encode(header.Length > 0 ? header : $$"""{"alg":"{{alg}}","typ":"JWT"}""");
        var body = Base64UrlEncoder.Encode(payload);
        var key = Encoding.UTF8.GetBytes(secret);
        var data = Encoding.ASCII.GetBytes($"{head}.{body}");
        var signature = alg switch { "HS512" => HMACSHA512.HashData(key, data), "HS384" => HMACSHA384.HashData(key, data), _ => HMACSHA256.HashData(key, data) };
        return $"{head}.{body}.{Base64UrlEncoder.Encode(signature)}";
    }

    private static PluginHarness JwtGateway(string credential, string routeConfig = "{}") => new(
        Consumer("jack", $$"""{"jwt-auth":{{credential}}}"""),
        Route("jwt", $$"""{"jwt-auth":{{routeConfig}}}"""));

    [Fact]
    public async Task Jwt_auth_takes_a_short_hs256_secret_as_apisix_and_reads_header_query_and_cookie()
    {
        var gateway = JwtGateway("""{"key":"user-key","secret":"my-secret-key"}""");
        var now = gateway.Time.GetUtcNow().ToUnixTimeSeconds();
        var token = Hs("HS256", "my-secret-key", $$"""{"key":"user-key","exp":{{now + 60}}}""");

        foreach (var prepare in new Action<Microsoft.AspNetCore.Http.HttpRequest>[]
        {
            r => r.Headers.Authorization = token,
            r => r.Headers.Authorization = "Bearer " + token,
            r => r.Headers.Cookie = $"other=1; jwt={token}",
        })
        {
            var ok = await gateway.RunAsync("/jwt", prepare);
            Assert.Equal((null, "jack"), (ok.Answered, ok.Consumer));
        }
        Assert.Equal("jack", (await gateway.RunAsync($"/jwt?jwt={token}")).Consumer);

        var missing = await gateway.RunAsync("/jwt");
        Assert.Equal((401, """{"message":"Missing JWT token in request"}""", "Bearer realm=\"jwt\""), (missing.Answered, missing.Body, missing.ResponseHeaders.WWWAuthenticate.ToString()));
        Assert.Equal("""{"message":"JWT token invalid"}""", (await gateway.RunAsync("/jwt", r => r.Headers.Authorization = "not-a-token")).Body);
        Assert.Equal("""{"message":"missing user key in JWT token"}""", (await gateway.RunAsync("/jwt", r => r.Headers.Authorization = Hs("HS256", "my-secret-key", """{"sub":"x"}"""))).Body);
        Assert.Equal("""{"message":"Invalid user key in JWT token"}""", (await gateway.RunAsync("/jwt", r => r.Headers.Authorization = Hs("HS256", "my-secret-key", """{"key":"other"}"""))).Body);
        Assert.Equal("""{"message":"failed to verify jwt"}""", (await gateway.RunAsync("/jwt", r => r.Headers.Authorization = Hs("HS256", "wrong-secret", """{"key":"user-key"}"""))).Body);
        // The token's alg must be the credential's: an HS512 token signed with the right secret is still refused.
        Assert.Equal("""{"message":"failed to verify jwt"}""", (await gateway.RunAsync("/jwt", r => r.Headers.Authorization = Hs("HS512", "my-secret-key", """{"key":"user-key"}"""))).Body);
        Assert.Equal("""{"message":"failed to verify jwt"}""", (await gateway.RunAsync("/jwt", r => r.Headers.Authorization = Hs("none", "my-secret-key", """{"key":"user-key"}""", """{"alg":"none"}"""))).Body);
    }

    [Fact]
    public async Task A_verified_token_is_checked_again_for_its_times_and_its_consumer_on_every_request()
    {
        var gateway = JwtGateway("""{"key":"user-key","secret":"my-secret-key"}""");
        var now = gateway.Time.GetUtcNow().ToUnixTimeSeconds();
        var token = Hs("HS256", "my-secret-key", $$"""{"key":"user-key","exp":{{now + 60}}}""");
        Assert.Equal("jack", (await gateway.RunAsync("/jwt", r => r.Headers.Authorization = token)).Consumer);
        Assert.Equal("jack", (await gateway.RunAsync("/jwt", r => r.Headers.Authorization = token)).Consumer); // from what was verified
        var tampered = token[..^2] + (token[^2] == 'A' ? "B" : "A") + token[^1];
        Assert.Equal(401, (await gateway.RunAsync("/jwt", r => r.Headers.Authorization = tampered)).Answered); // another text: verified afresh
        gateway.Time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(401, (await gateway.RunAsync("/jwt", r => r.Headers.Authorization = token)).Answered); // expired since
    }

    [Fact]
    public async Task Jwt_auth_checks_exp_and_nbf_when_present_with_the_grace_period_and_claims_to_verify_requires_them()
    {
        var gateway = new PluginHarness(
            Consumer("jack", """{"jwt-auth":{"key":"user-key","secret":"k","algorithm":"HS512","lifetime_grace_period":10}}"""),
            Route("jwt", """{"jwt-auth":{}}"""),
            Route("strict", """{"jwt-auth":{"claims_to_verify":["exp"]}}"""));
        var now = gateway.Time.GetUtcNow().ToUnixTimeSeconds();
        async Task<int?> Status(string route, string payload) =>
            (await gateway.RunAsync(route, r => r.Headers.Authorization = Hs("HS512", "k", payload))).Answered;

        Assert.Null(await Status("/jwt", """{"key":"user-key"}""")); // no exp: not checked
        Assert.Null(await Status("/jwt", $$"""{"key":"user-key","exp":{{now - 5}}}""")); // within the grace period
        Assert.Equal(401, await Status("/jwt", $$"""{"key":"user-key","exp":{{now - 11}}}"""));
        Assert.Equal(401, await Status("/jwt", $$"""{"key":"user-key","nbf":{{now + 11}}}"""));
        Assert.Null(await Status("/jwt", $$"""{"key":"user-key","nbf":{{now + 5}}}"""));
        Assert.Null(await Status("/strict", $$"""{"key":"user-key","nbf":{{now + 10}},"exp":{{now + 60}}}""")); // valid from nbf on (RFC 7519)
        Assert.Equal(401, await Status("/jwt", """{"key":"user-key","exp":"soon"}""")); // not a number
        Assert.Equal(401, await Status("/strict", """{"key":"user-key"}""")); // exp required
        Assert.Null(await Status("/strict", $$"""{"key":"user-key","exp":{{now + 60}}}"""));
    }

    [Fact]
    public async Task Jwt_auth_verifies_rs256_ps256_and_es256_tokens_made_by_a_standard_library()
    {
        using var rsa = RSA.Create(2048);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var handler = new JsonWebTokenHandler();
        string Token(SecurityKey key, string alg, string userKey) => handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["key"] = userKey },
            // The library stamps nbf and iat with the real time unless told: the gateway's clock is the harness's.
            IssuedAt = PluginHarness.Start.UtcDateTime,
            NotBefore = PluginHarness.Start.UtcDateTime,
            Expires = PluginHarness.Start.UtcDateTime.AddYears(5),
            SigningCredentials = new SigningCredentials(key, alg),
        });
        string Pem(string text) => System.Text.Json.JsonSerializer.Serialize(text);
        var gateway = new PluginHarness(
            Consumer("rs", $$$"""{"jwt-auth":{"key":"rs-key","algorithm":"RS256","public_key":{{{Pem(rsa.ExportSubjectPublicKeyInfoPem())}}}}}"""),
            Consumer("ps", $$$"""{"jwt-auth":{"key":"ps-key","algorithm":"PS256","public_key":{{{Pem(rsa.ExportSubjectPublicKeyInfoPem())}}}}}"""),
            Consumer("es", $$$"""{"jwt-auth":{"key":"es-key","algorithm":"ES256","public_key":{{{Pem(ec.ExportSubjectPublicKeyInfoPem())}}}}}"""),
            Consumer("broken", """{"jwt-auth":{"key":"broken-key","algorithm":"RS256","public_key":"not a key"}}"""),
            Route("jwt", """{"jwt-auth":{"hide_credentials":true}}"""));

        var rs = await gateway.RunAsync("/jwt", r => r.Headers.Authorization = "Bearer " + Token(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256, "rs-key"));
        Assert.Equal((null, "rs", ""), (rs.Answered, rs.Consumer, rs.Request.Headers.Authorization.ToString()));
        Assert.Equal("ps", (await gateway.RunAsync("/jwt", r => r.Headers.Authorization = Token(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSsaPssSha256, "ps-key"))).Consumer);
        Assert.Equal("es", (await gateway.RunAsync("/jwt", r => r.Headers.Authorization = Token(new ECDsaSecurityKey(ec), SecurityAlgorithms.EcdsaSha256, "es-key"))).Consumer);

        using var other = RSA.Create(2048);
        Assert.Equal(401, (await gateway.RunAsync("/jwt", r => r.Headers.Authorization = Token(new RsaSecurityKey(other), SecurityAlgorithms.RsaSha256, "rs-key"))).Answered);
        Assert.Equal(401, (await gateway.RunAsync("/jwt", r => r.Headers.Authorization = Token(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256, "broken-key"))).Answered);
        // Many requests share the parsed key objects safely.
        var token = Token(new ECDsaSecurityKey(ec), SecurityAlgorithms.EcdsaSha256, "es-key");
        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(() => gateway.RunAsync("/jwt", r => r.Headers.Authorization = token))));
        Assert.All(results, r => Assert.Equal("es", r.Consumer));
    }

    [Fact]
    public async Task Jwt_auth_base64_secret_and_hide_credentials_from_a_cookie()
    {
        var secret = Convert.ToBase64String(Encoding.UTF8.GetBytes("binary-secret"));
        var gateway = JwtGateway($$"""{"key":"user-key","secret":"{{secret}}","base64_secret":true}""", """{"hide_credentials":true,"cookie":"session"}""");
        var token = Hs("HS256", "binary-secret", """{"key":"user-key"}""");
        var ok = await gateway.RunAsync("/jwt", r => r.Headers.Cookie = $"a=1; session={token}; b=2");
        Assert.Equal((null, "a=1; b=2"), (ok.Answered, ok.Request.Headers.Cookie.ToString()));
    }
}
