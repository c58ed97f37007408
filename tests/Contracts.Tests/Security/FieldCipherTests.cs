using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Security;

namespace OrleansGateway.Contracts.Tests.Security;

public class FieldCipherTests
{
    private static FieldCipher Cipher(bool enabled = true, params string[] keys) =>
        FieldCipher.FromConfig(new JsonObject
        {
            ["data_encryption"] = new JsonObject { ["enable_encrypt_fields"] = enabled, ["keyring"] = new JsonArray([.. keys.Select(k => (JsonNode)k)]) },
        }.ToJsonString())!;

    [Fact]
    public void The_first_key_encrypts_every_key_decrypts_and_a_foreign_or_changed_value_does_not_open()
    {
        var old = Cipher(true, "0123456789abcdef");
        var sealedValue = old.Encrypt("auth-one");
        Assert.StartsWith(FieldCipher.Prefix, sealedValue);
        Assert.DoesNotContain("auth-one", sealedValue);
        Assert.NotEqual(sealedValue, old.Encrypt("auth-one")); // a fresh nonce each time

        var rotated = Cipher(true, "a-new-key-of-32-characters-long!", "0123456789abcdef");
        Assert.True(rotated.TryDecrypt(sealedValue, out var plain));
        Assert.Equal("auth-one", plain);
        Assert.True(old.TryDecrypt(rotated.Encrypt("x"), out _) is false); // sealed with the new first key

        Assert.False(Cipher(true, "fedcba9876543210").TryDecrypt(sealedValue, out _));
        var tampered = sealedValue[..^4] + (sealedValue[^4] == 'A' ? "B" : "A") + sealedValue[^3..];
        Assert.False(old.TryDecrypt(tampered, out _));
        Assert.False(old.TryDecrypt("auth-one", out _));
    }

    [Fact]
    public void No_keyring_no_cipher_and_the_switch_reads_as_apisix()
    {
        Assert.Null(FieldCipher.FromConfig("{}"));
        Assert.Null(FieldCipher.FromConfig("""{"data_encryption":{"enable_encrypt_fields":true}}"""));
        Assert.False(Cipher(false, "0123456789abcdef").Encrypts);
        Assert.True(Cipher(true, "0123456789abcdef").Encrypts);
        Assert.Equal(32, FieldCipher.NewKey().Length);
        Assert.NotEqual(FieldCipher.NewKey(), FieldCipher.NewKey());
    }

    [Fact]
    public void Secret_fields_are_found_where_apisix_keeps_them_and_sealed_and_opened_in_place()
    {
        var cipher = Cipher(true, "0123456789abcdef");
        var consumer = JsonNode.Parse("""{"username":"jack","plugins":{"key-auth":{"key":"auth-one"},"limit-count":{"count":1,"time_window":1}}}""")!.AsObject();
        var ssl = JsonNode.Parse("""{"cert":"C","key":"K1","certs":["C2"],"keys":["K2"]}""")!.AsObject();
        var route = JsonNode.Parse("""{"uri":"/a","upstream":{"nodes":{"127.0.0.1:1":1},"tls":{"client_cert":"C","client_key":"K3"}}}""")!.AsObject();
        var paths = new List<string>();
        SecretFields.Map(ResourceKind.Ssl, ssl.DeepClone().AsObject(), (path, text) => { paths.Add(path); return text; });
        Assert.Equal(["key", "keys[1]"], paths);

        SecretValues.Encrypt(ResourceKind.Consumer, consumer, cipher);
        SecretValues.Encrypt(ResourceKind.Ssl, ssl, cipher);
        SecretValues.Encrypt(ResourceKind.Route, route, cipher);
        var stored = consumer.ToJsonString() + ssl.ToJsonString() + route.ToJsonString();
        foreach (var secret in new[] { "auth-one", "K1", "K2", "K3" })
        {
            Assert.DoesNotContain($"\"{secret}\"", stored);
        }
        Assert.Equal("C", ssl["cert"]!.GetValue<string>()); // certificates are public

        Assert.Null(SecretValues.Decrypt(ResourceKind.Consumer, "jack", consumer, cipher));
        Assert.Equal("auth-one", consumer["plugins"]!["key-auth"]!["key"]!.GetValue<string>());
        SecretValues.Encrypt(ResourceKind.Consumer, consumer, cipher);
        Assert.Equal("cannot decrypt consumers \"jack\" plugins.key-auth.key: no key of the gateway group's keyring (1) opens it",
            SecretValues.Decrypt(ResourceKind.Consumer, "jack", consumer, Cipher(true, "fedcba9876543210")));
        Assert.Throws<FieldDecryptionException>(() => SecretValues.Open(consumer["plugins"]!["key-auth"]!["key"]!.GetValue<string>(), null, "the key"));
    }

    [Theory]
    [InlineData("1", "1")]
    [InlineData("1.0", "1")]
    [InlineData("\"1.0\"", "1.0")]
    [InlineData("\"abc\"", "abc")]
    public void An_id_reads_as_one_text_whatever_its_json_form(string json, string expected)
    {
        Assert.Equal(expected, ResourceIds.Text(JsonNode.Parse(json)));
        using var document = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal(expected, ResourceIds.Text(document.RootElement));
    }
}
