using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.Contracts.Tests.Plugins;

/// <summary>The authentication plugins' configurations refused with APISIX's texts (t/plugin/*-auth*.t, consumer-restriction.t).</summary>
public class AuthPluginSchemaTests
{
    private static string? Consumer(string plugins) =>
        ResourceValidator.Validate(ResourceKind.Consumer, "jack", JsonNode.Parse($$"""{"username":"jack","plugins":{{plugins}}}""")!.AsObject());

    private static string Message(string? error) => AdminErrors.Split(error!).Message;

    [Theory]
    [InlineData("""{"basic-auth":{"username":"foo"}}""", "failed to check the configuration of plugin basic-auth err: property \"password\" is required")]
    [InlineData("""{"basic-auth":"blah"}""", "invalid plugin conf \"blah\" for plugin [basic-auth]")]
    [InlineData("""{"hmac-auth":{"key_id":"k"}}""", "failed to check the configuration of plugin hmac-auth err: property \"secret_key\" is required")]
    [InlineData("""{"hmac-auth":{"secret_key":"s"}}""", "failed to check the configuration of plugin hmac-auth err: property \"key_id\" is required")]
    [InlineData("""{"jwt-auth":{"key":"user-key-rs256","algorithm":"RS256"}}""",
        "failed to check the configuration of plugin jwt-auth err: failed to validate dependent schema for \"algorithm\": value should match only one schema, but matches none")]
    [InlineData("""{"jwt-auth":{"key":"k"}}""", "failed to check the configuration of plugin jwt-auth err: property \"secret\" is required when using HS based algorithms")]
    [InlineData("""{"jwt-auth":{"key":"k","secret":"!!not base64!!","base64_secret":true}}""",
        "failed to check the configuration of plugin jwt-auth err: base64_secret required but the secret is not in base64 format")]
    [InlineData("""{"jwt-auth":{"secret":"s"}}""", "failed to check the configuration of plugin jwt-auth err: property \"key\" is required")]
    [InlineData("""{"jwt-auth":{"key":"k","secret":"s","algorithm":"HS999"}}""", "failed to check the configuration of plugin jwt-auth err: property \"algorithm\" validation failed: matches none of the enum values")]
    public void A_bad_credential_on_a_consumer_is_refused_with_apisix_text_and_prefix(string plugins, string expected)
    {
        Assert.Equal("invalid plugins configuration: " + expected, Message(Consumer(plugins)));
    }

    [Fact]
    public void A_too_long_hmac_key_id_names_the_lengths()
    {
        Assert.Equal("invalid plugins configuration: failed to check the configuration of plugin hmac-auth err: property \"key_id\" validation failed: string too long, expected at most 256, got 320",
            Message(Consumer("{\"hmac-auth\":{\"key_id\":\"" + new string('k', 320) + "\",\"secret_key\":\"s\"}}")));
    }

    [Theory]
    [InlineData("""{"basic-auth":{"username":"jack","password":"p"}}""")]
    [InlineData("""{"jwt-auth":{"key":"k","secret":"my-secret-key"}}""")]
    [InlineData("""{"jwt-auth":{"key":"k","algorithm":"ES256","public_key":"-----BEGIN PUBLIC KEY-----"}}""")]
    [InlineData("""{"jwt-auth":{"key":"k","secret":"c2VjcmV0","base64_secret":true,"exp":60,"lifetime_grace_period":5}}""")]
    [InlineData("""{"hmac-auth":{"key_id":"k","secret_key":"s"}}""")]
    [InlineData("""{"key-auth":{"key":"k"},"basic-auth":{"username":"u","password":"p"}}""")]
    public void Good_credentials_are_accepted(string plugins) => Assert.Null(Consumer(plugins));

    [Theory]
    [InlineData("""{"basic-auth":{}}""")]
    [InlineData("""{"basic-auth":{"hide_credentials":true,"realm":"my realm","anonymous_consumer":"guest"}}""")]
    [InlineData("""{"jwt-auth":{"header":"x-jwt","query":"t","cookie":"c","key_claim_name":"iss","claims_to_verify":["exp","nbf"],"store_in_ctx":true}}""")]
    [InlineData("""{"hmac-auth":{"allowed_algorithms":["hmac-sha256"],"clock_skew":10,"signed_headers":["x-a"],"validate_request_body":true,"max_req_body_size":1024}}""")]
    [InlineData("""{"key-auth":{"realm":"k","anonymous_consumer":"anon"}}""")]
    [InlineData("""{"consumer-restriction":{"whitelist":["jack"],"rejected_code":401,"rejected_msg":"no"}}""")]
    [InlineData("""{"consumer-restriction":{"type":"consumer_group_id","allowed_by_methods":[{"user":"gold","methods":["GET","POST"]}]}}""")]
    public void Good_route_configurations_are_accepted(string plugins) => Assert.Null(PluginChecks.Route(plugins));

    [Theory]
    [InlineData("""{"basic-auth":{"realm":"has \"quote"}}""", "property \"realm\" validation failed")]
    [InlineData("""{"basic-auth":{"anonymous_consumer":""}}""", "property \"anonymous_consumer\" validation failed: string too short, expected at least 1, got 0")]
    [InlineData("""{"jwt-auth":{"claims_to_verify":["iat"]}}""", "property \"claims_to_verify\" validation failed")]
    [InlineData("""{"hmac-auth":{"clock_skew":0}}""", "property \"clock_skew\" validation failed: expected 0 to be at least 1")]
    [InlineData("""{"hmac-auth":{"allowed_algorithms":[]}}""", "property \"allowed_algorithms\" validation failed: expect array to have at least 1 items")]
    [InlineData("""{"consumer-restriction":{"type":"user"}}""", "property \"type\" validation failed: matches none of the enum values")]
    [InlineData("""{"consumer-restriction":{"rejected_code":100,"whitelist":["a"]}}""", "property \"rejected_code\" validation failed: expected 100 to be at least 200")]
    [InlineData("""{"consumer-restriction":{"whitelist":[]}}""", "property \"whitelist\" validation failed: expect array to have at least 1 items")]
    [InlineData("""{"consumer-restriction":{}}""", "object matches none of the required")]
    public void Bad_route_configurations_are_refused_naming_the_field(string plugins, string expected)
        => PluginChecks.RefusedWith(plugins, expected);

    [Fact]
    public void Credentials_of_every_auth_plugin_must_be_unique_except_secret_references()
    {
        var consumer = JsonNode.Parse("""
            {"username":"jack","plugins":{"key-auth":{"key":"k"},"basic-auth":{"username":"jack","password":"p"},
             "jwt-auth":{"key":"$env://JWT_KEY","secret":"s"},"hmac-auth":{"key_id":"hk","secret_key":"s"}}}
            """)!.AsObject();
        Assert.Equal(["basic-auth:jack", "hmac-auth:hk", "key-auth:k"], ResourceValidator.UniqueCredentials(ResourceKind.Consumer, consumer).Order());
        Assert.Equal("username", ResourceValidator.CredentialFieldOf("basic-auth:jack"));
        Assert.Equal("key_id", ResourceValidator.CredentialFieldOf("hmac-auth:hk"));
    }
}
