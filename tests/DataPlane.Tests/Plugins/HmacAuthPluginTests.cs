using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using OrleansGateway.DataPlane.Plugins;
using static OrleansGateway.DataPlane.Tests.Plugins.PluginHarness;

namespace OrleansGateway.DataPlane.Tests.Plugins;

/// <summary>hmac-auth as APISIX 3.x: the signing string, the checks in order, the body digest.</summary>
public class HmacAuthPluginTests
{
    private static PluginHarness Gateway(string routeConfig = "{}") => new(
        Consumer("jack", """{"hmac-auth":{"key_id":"my-access-key","secret_key":"my-secret-key"}}"""),
        Route("hmac", $$"""{"hmac-auth":{{routeConfig}}}"""));

    /// <summary>Signs as a client would: key id, then <c>@request-target</c> and the listed headers.</summary>
    private static string Authorization(string method, string target, string date, string algorithm = "hmac-sha256", string secret = "my-secret-key",
        string keyId = "my-access-key", string headers = "@request-target date", Dictionary<string, string>? extra = null)
    {
        var lines = new StringBuilder(keyId).Append('\n');
        foreach (var name in headers.Split(' '))
        {
            lines.Append(name switch
            {
                "@request-target" => $"{method} {target}",
                "date" => $"date: {date}",
                _ => $"{name}: {extra![name]}",
            }).Append('\n');
        }
        var key = Encoding.UTF8.GetBytes(secret);
        var data = Encoding.UTF8.GetBytes(lines.ToString());
        var signature = algorithm switch { "hmac-sha1" => HMACSHA1.HashData(key, data), "hmac-sha512" => HMACSHA512.HashData(key, data), _ => HMACSHA256.HashData(key, data) };
        return $"Signature keyId=\"{keyId}\",algorithm=\"{algorithm}\",headers=\"{headers}\",signature=\"{Convert.ToBase64String(signature)}\"";
    }

    private static string Date(PluginHarness gateway, int offsetSeconds = 0) =>
        gateway.Time.GetUtcNow().AddSeconds(offsetSeconds).ToString("r", CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_signed_request_passes_and_each_check_fails_as_apisix_tells_it()
    {
        var gateway = Gateway();
        var date = Date(gateway);
        async Task<PluginHarness.Outcome> Send(string authorization, string? dateHeader = null, string target = "/hmac?a=1") =>
            await gateway.RunAsync(target, r =>
            {
                r.Headers.Authorization = authorization;
                r.Headers.Date = dateHeader ?? date;
            });

        foreach (var algorithm in new[] { "hmac-sha1", "hmac-sha256", "hmac-sha512" })
        {
            var ok = await Send(Authorization("GET", "/hmac?a=1", date, algorithm));
            Assert.Equal((null, "jack"), (ok.Answered, ok.Consumer));
        }
        var missing = await gateway.RunAsync("/hmac");
        Assert.Equal((401, """{"message":"client request can't be validated: missing Authorization header"}""", "hmac realm=\"hmac\""),
            (missing.Answered, missing.Body, missing.ResponseHeaders.WWWAuthenticate.ToString()));
        Assert.Equal("""{"message":"client request can't be validated: Authorization header does not start with 'Signature'"}""", (await Send("Bearer x")).Body);
        const string generic = """{"message":"client request can't be validated"}""";
        Assert.Equal(generic, (await Send("Signature keyId=\"my-access-key\",headers=\"@request-target date\",signature=\"asdf\"")).Body); // algorithm missing
        Assert.Equal(generic, (await Send(Authorization("GET", "/hmac?a=1", date, keyId: "nobody"))).Body);
        Assert.Equal(generic, (await Send(Authorization("GET", "/hmac?a=1", date, secret: "wrong"))).Body);
        Assert.Equal(generic, (await Send(Authorization("GET", "/hmac?a=2", date))).Body); // signed another target
        Assert.Equal(generic, (await Send(Authorization("GET", "/hmac?a=1", Date(gateway, -301)), Date(gateway, -301))).Body); // clock skew
        Assert.Null((await Send(Authorization("GET", "/hmac?a=1", Date(gateway, -299)), Date(gateway, -299))).Answered);
        Assert.Equal(generic, (await Send(Authorization("GET", "/hmac?a=1", date, headers: "@request-target"))).Body); // date not signed
    }

    [Fact]
    public async Task Allowed_algorithms_signed_headers_and_clock_skew_are_configurable()
    {
        var gateway = Gateway("""{"allowed_algorithms":["hmac-sha512"],"signed_headers":["x-tenant"],"clock_skew":5}""");
        var date = Date(gateway);
        var extra = new Dictionary<string, string> { ["x-tenant"] = "blue" };
        async Task<int?> Status(string authorization, string dateHeader) => (await gateway.RunAsync("/hmac", r =>
        {
            r.Headers.Authorization = authorization;
            r.Headers.Date = dateHeader;
            r.Headers["X-Tenant"] = "blue";
        })).Answered;

        Assert.Null(await Status(Authorization("GET", "/hmac", date, "hmac-sha512", headers: "x-tenant date", extra: extra), date));
        Assert.Equal(401, await Status(Authorization("GET", "/hmac", date, "hmac-sha256", headers: "x-tenant date", extra: extra), date));
        Assert.Equal(401, await Status(Authorization("GET", "/hmac", date, "hmac-sha512"), date)); // x-tenant not signed
        Assert.Equal(401, await Status(Authorization("GET", "/hmac", Date(gateway, 6), "hmac-sha512", headers: "x-tenant date", extra: extra), Date(gateway, 6)));
    }

    [Fact]
    public async Task With_validate_request_body_the_digest_must_match_and_an_oversized_body_gets_413()
    {
        var gateway = Gateway("""{"validate_request_body":true,"max_req_body_size":16,"hide_credentials":true}""");
        var date = Date(gateway);
        var body = Encoding.UTF8.GetBytes("{\"a\":1}");
        async Task<PluginHarness.Outcome> Send(byte[] payload, string? digest) => await gateway.RunAsync("/hmac", r =>
        {
            r.Headers.Authorization = Authorization("POST", "/hmac", date);
            r.Headers.Date = date;
            if (digest is not null)
            {
                r.Headers["Digest"] = digest;
            }
        }, method: "POST", body: payload);

        var ok = await Send(body, "SHA-256=" + Convert.ToBase64String(SHA256.HashData(body)));
        Assert.Equal((null, ""), (ok.Answered, ok.Request.Headers.Authorization.ToString()));
        Assert.Equal("{\"a\":1}", await new StreamReader(ok.Request.Body).ReadToEndAsync()); // still there for the upstream
        Assert.Equal(401, (await Send(body, null)).Answered);
        Assert.Equal(401, (await Send(body, "SHA-256=" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes("other"))))).Answered);
        var big = new byte[17];
        var tooBig = await Send(big, "SHA-256=" + Convert.ToBase64String(SHA256.HashData(big)));
        Assert.Equal((413, """{"message":"request size 17 is greater than the maximum size 16 allowed"}"""), (tooBig.Answered, tooBig.Body));
    }

    [Fact]
    public void The_authorization_fields_are_read_as_apisix_reads_them()
    {
        var fields = HmacAuthPlugin.Fields(" keyId=\"k\", algorithm=\"hmac-sha1\" ,headers=\"a b\",signature=\"c2lnbg==\",extra=\"x\"");
        Assert.Equal(["algorithm", "headers", "keyId", "signature"], fields.Keys.Order());
        Assert.Equal("a b", fields["headers"]);
    }
}
