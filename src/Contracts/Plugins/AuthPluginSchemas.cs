using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Validation;

namespace OrleansGateway.Contracts.Plugins;

/// <summary>
/// The authentication plugins (each finds the consumer by one credential field) and consumer-restriction, with APISIX's
/// schemas: unknown properties accepted as APISIX's schemas do, checks after the schema with APISIX's texts.
/// </summary>
internal static class AuthPluginSchemas
{
    /// <summary>The HMAC algorithms of jwt-auth (a shared secret), then those that verify with a public key.</summary>
    private static readonly string[] HmacAlgorithms = ["HS256", "HS384", "HS512"];
    private static readonly string[] KeyAlgorithms = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA"];

    public static IEnumerable<PluginDefinition> Definitions() =>
    [
        new("hmac-auth", 2530, HmacAuth(), HmacAuthCredential(), EncryptFields: ["secret_key"], CredentialField: "key_id"),
        new("basic-auth", 2520, BasicAuth(), BasicAuthCredential(), EncryptFields: ["password"], CredentialField: "username"),
        new("jwt-auth", 2510, JwtAuth(), JwtAuthCredential(), EncryptFields: ["secret"], CredentialField: "key"),
        new("key-auth", 2500, KeyAuth(), new ObjectSchema(("key", S.Str())) { Required = ["key"], AllowUnknown = true }, EncryptFields: ["key"], CredentialField: "key"),
        new("consumer-restriction", 2400, ConsumerRestriction()),
    ];

    /// <summary>APISIX's realm: printable ASCII without <c>"</c> and <c>\</c>, as it goes into WWW-Authenticate.</summary>
    private static (string, Schema) Realm() => ("realm", S.Str(1, 128, @"^[\x20-\x21\x23-\x5B\x5D-\x7E]+$"));

    private static (string, Schema) Anonymous() => ("anonymous_consumer", S.Str(1));

    private static ObjectSchema KeyAuth() => PluginSchema.Open(
        ("header", S.Str()), ("query", S.Str()), Realm(), ("hide_credentials", S.Bool()), Anonymous());

    private static ObjectSchema BasicAuth() => PluginSchema.Open(("hide_credentials", S.Bool()), Realm(), Anonymous());

    private static ObjectSchema BasicAuthCredential() =>
        new(("username", S.Str()), ("password", S.Str())) { Required = ["username", "password"], AllowUnknown = true };

    private static ObjectSchema JwtAuth() => PluginSchema.Open(
        ("header", S.Str()), ("query", S.Str()), ("cookie", S.Str()), ("hide_credentials", S.Bool()),
        ("key_claim_name", S.Str(1)), ("store_in_ctx", S.Bool()), Realm(), Anonymous(),
        ("claims_to_verify", S.Arr(S.Enum("exp", "nbf"), unique: true)));

    private static ObjectSchema JwtAuthCredential() => new(
        ("key", S.Str(1)), ("secret", S.Str(1)), ("algorithm", S.Enum([.. HmacAlgorithms, .. KeyAlgorithms])),
        ("exp", S.Int(1)), ("base64_secret", S.Bool()), ("lifetime_grace_period", S.Int(0)))
    {
        Required = ["key"],
        AllowUnknown = true,
        Rules = [JwtAlgorithmDependency, JwtKeys],
    };

    /// <summary>
    /// APISIX's <c>dependencies.algorithm</c>: an HMAC algorithm, or a key algorithm with a <c>public_key</c>; exactly
    /// one of the two must hold.
    /// </summary>
    private static string? JwtAlgorithmDependency(JsonObject conf)
    {
        if (conf["algorithm"] is not JsonValue algorithmValue)
        {
            return null;
        }
        var algorithm = algorithmValue.GetValue<string>();
        var hmac = HmacAlgorithms.Contains(algorithm);
        var withKey = KeyAlgorithms.Contains(algorithm) && conf["public_key"] is JsonValue key
            && key.TryGetValue<string>(out var text) && text.Length > 0;
        return hmac ^ withKey ? null : "failed to validate dependent schema for \"algorithm\": value should match only one schema, but matches none";
    }

    private static string? JwtKeys(JsonObject conf)
    {
        var algorithm = conf["algorithm"]?.GetValue<string>() ?? "HS256";
        var hmac = algorithm.StartsWith("HS", StringComparison.Ordinal);
        if (hmac && conf["secret"] is null)
        {
            return "property \"secret\" is required when using HS based algorithms";
        }
        if (conf["base64_secret"]?.GetValue<bool>() == true && conf["secret"] is JsonValue secret
            && !SslCertificates.IsSecretReference(secret.GetValue<string>()) && !IsBase64(secret.GetValue<string>()))
        {
            return "base64_secret required but the secret is not in base64 format";
        }
        return !hmac && conf["public_key"] is null ? "missing valid public key" : null;
    }

    private static bool IsBase64(string text) => Convert.TryFromBase64String(text, new byte[text.Length], out _);

    private static ObjectSchema HmacAuth() => PluginSchema.Open(
        ("allowed_algorithms", S.Arr(S.Enum("hmac-sha1", "hmac-sha256", "hmac-sha512"), min: 1)),
        ("clock_skew", S.Int(1)), ("signed_headers", S.Arr(S.Str(1, 50))),
        ("validate_request_body", S.Bool()), ("max_req_body_size", S.Int(1)),
        ("hide_credentials", S.Bool()), Realm(), Anonymous());

    private static ObjectSchema HmacAuthCredential() =>
        new(("key_id", S.Str(1, 256)), ("secret_key", S.Str(1, 256))) { Required = ["key_id", "secret_key"], AllowUnknown = true };

    private static ObjectSchema ConsumerRestriction() => new(PluginSchema.WithMeta(
        ("type", S.Enum("consumer_name", "service_id", "route_id", "consumer_group_id")),
        ("blacklist", S.Arr(S.Str(), min: 1)), ("whitelist", S.Arr(S.Str(), min: 1)),
        ("allowed_by_methods", S.Arr(new ObjectSchema(("user", S.Str()), ("methods", S.Arr(S.Enum(ResourceSchemas.Methods), min: 1))) { AllowUnknown = true })),
        ("rejected_code", S.Int(200)), ("rejected_msg", S.Str())))
    {
        AllowUnknown = true,
        Rules =
        [
            o => o.ContainsKey("blacklist") || o.ContainsKey("whitelist") || o.ContainsKey("allowed_by_methods")
                ? null
                : AdminErrors.Described("object matches none of the required", "one of \"blacklist\", \"whitelist\" or \"allowed_by_methods\" is required"),
        ],
    };
}
