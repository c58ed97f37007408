using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.Contracts.Tests.Validation;

/// <summary>SSL resources and upstream TLS, checked with APISIX's rules and texts.</summary>
public class SslValidationTests
{
    private static (string Cert, string Key) NewPair(string name = "test.com")
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return (cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    private static readonly (string Cert, string Key) Pair = NewPair();

    private static string? Validate(JsonObject ssl) => ResourceValidator.Validate(ResourceKind.Ssl, "1", ssl);

    private static JsonObject Ssl(params (string Name, JsonNode? Value)[] fields)
    {
        var ssl = new JsonObject();
        foreach (var (name, value) in fields)
        {
            ssl[name] = value;
        }
        return ssl;
    }

    [Fact]
    public void A_server_certificate_needs_key_cert_and_one_sni_as_apisix_then_clause()
    {
        Assert.Null(Validate(Ssl(("cert", Pair.Cert), ("key", Pair.Key), ("sni", "test.com"), ("ssl_protocols", new JsonArray("TLSv1.2", "TLSv1.3")))));
        Assert.Equal(("invalid configuration: then clause did not match", "one of \"sni\", \"snis\" is required"),
            AdminErrors.Split(Validate(Ssl(("cert", Pair.Cert), ("key", Pair.Key)))!));
        Assert.Equal(("invalid configuration: then clause did not match", "property \"key\" is required"),
            AdminErrors.Split(Validate(Ssl(("cert", Pair.Cert), ("sni", "test.com")))!));
        // A client certificate needs no sni.
        Assert.Null(Validate(Ssl(("type", "client"), ("cert", Pair.Cert), ("key", Pair.Key))));
        Assert.Equal("invalid configuration: property \"key\" is required", Validate(Ssl(("type", "client"), ("cert", Pair.Cert))));
    }

    [Fact]
    public void Unparsable_certificates_and_keys_get_apisix_texts_and_pairs_are_numbered()
    {
        var badCert = "-----BEGIN CERTIFICATE-----\n" + new string('A', 200) + "\n-----END CERTIFICATE-----";
        var badKey = "-----BEGIN PRIVATE KEY-----\n" + new string('A', 100) + "\n-----END PRIVATE KEY-----";
        Assert.Equal("failed to parse cert: PEM_read_bio_X509_AUX() failed",
            AdminErrors.Split(Validate(Ssl(("cert", badCert), ("key", Pair.Key), ("sni", "test.com")))!).Message);
        Assert.Equal("failed to parse key: PEM_read_bio_PrivateKey() failed",
            AdminErrors.Split(Validate(Ssl(("cert", Pair.Cert), ("key", badKey), ("sni", "test.com")))!).Message);
        Assert.Equal("failed to handle cert-key pair[1]: failed to parse cert: PEM_read_bio_X509_AUX() failed",
            AdminErrors.Split(Validate(Ssl(("cert", Pair.Cert), ("key", Pair.Key), ("sni", "test.com"), ("certs", new JsonArray(badCert)), ("keys", new JsonArray(Pair.Key))))!).Message);
        Assert.Equal("mismatched number of certs and keys",
            Validate(Ssl(("cert", Pair.Cert), ("key", Pair.Key), ("sni", "test.com"), ("certs", new JsonArray(Pair.Cert)), ("keys", new JsonArray()))));
        // Beyond APISIX: a key that is not the certificate's is refused, saying so.
        var other = NewPair("other.com");
        var mismatch = AdminErrors.Split(Validate(Ssl(("cert", Pair.Cert), ("key", other.Key), ("sni", "test.com")))!);
        Assert.Equal("failed to parse key: PEM_read_bio_PrivateKey() failed", mismatch.Message);
        Assert.StartsWith("the key does not match the certificate", mismatch.Description);
    }

    [Fact]
    public void Secret_references_stand_for_certificates_and_keys_and_nothing_else_passes_short()
    {
        Assert.Null(Validate(Ssl(("sni", "test.com"), ("cert", "$secret://vault/test/ssl/test.com.crt"), ("key", "$ENV://SSL_KEY"),
            ("certs", new JsonArray("$env://SSL_CERTS")), ("keys", new JsonArray("$secret://vault/k")))));
        Assert.Equal("invalid configuration: property \"certs\" validation failed: failed to validate item 1: string too short, expected at least 128, got 29",
            Validate(Ssl(("sni", "test.com"), ("cert", "$ENV://APISIX_TEST_SSL_CERT"), ("key", "$env://APISIX_TEST_SSL_KEY"),
                ("certs", new JsonArray("https://APISIX_TEST_SSL_CERTS")), ("keys", new JsonArray("$ENV://APISIX_TEST_SSL_KEYS")))));
    }

    [Fact]
    public void Ssl_protocols_are_apisix_three()
    {
        Assert.Equal("invalid configuration: property \"ssl_protocols\" validation failed: failed to validate item 1: matches none of the enum values",
            AdminErrors.Split(Validate(Ssl(("cert", Pair.Cert), ("key", Pair.Key), ("sni", "test.com"), ("ssl_protocols", new JsonArray("TLSv1.0"))))!).Message);
    }

    [Fact]
    public void An_upstream_names_its_client_certificate_by_id_or_inline_not_both()
    {
        var byId = JsonNode.Parse("""{"nodes":{"127.0.0.1:1":1},"scheme":"https","tls":{"client_cert_id":7}}""")!.AsObject();
        Assert.Null(ResourceValidator.Validate(ResourceKind.Upstream, "u", byId));
        Assert.Equal([new ResourceKey(ResourceKind.Ssl, "7")], ResourceValidator.References(ResourceKind.Upstream, byId));
        var inlineRoute = JsonNode.Parse("""{"uri":"/a","upstream":{"nodes":{"127.0.0.1:1":1},"tls":{"client_cert_id":"c"}}}""")!.AsObject();
        Assert.Null(ResourceValidator.Validate(ResourceKind.Route, "r", inlineRoute));
        Assert.Equal([new ResourceKey(ResourceKind.Ssl, "c")], ResourceValidator.References(ResourceKind.Route, inlineRoute));

        var both = JsonNode.Parse("""{"nodes":{"127.0.0.1:1":1}}""")!.AsObject();
        both["tls"] = new JsonObject { ["client_cert_id"] = "c", ["client_cert"] = Pair.Cert, ["client_key"] = Pair.Key };
        Assert.Contains("\"client_cert_id\" can not be set with", ResourceValidator.Validate(ResourceKind.Upstream, "u", both));
        Assert.Equal("failed to fetch ssl info by ssl id [7], wrong ssl type",
            ResourceValidator.ReferenceError(new ResourceKey(ResourceKind.Ssl, "7"), """{"type":"server"}"""));
        Assert.Null(ResourceValidator.ReferenceError(new ResourceKey(ResourceKind.Ssl, "7"), """{"type":"client"}"""));
    }
}
