using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Contracts.Security;
using OrleansGateway.Grains.History;

namespace OrleansGateway.Grains.Tests.History;

public class ComparableValuesTests
{
    private static readonly FieldCipher Old = FieldCipher.FromConfig("""{"data_encryption":{"keyring":["old-keyring-entry-0000000000001"]}}""")!;
    private static readonly FieldCipher New = FieldCipher.FromConfig("""{"data_encryption":{"keyring":["new-keyring-entry-0000000000001"]}}""")!;

    private static string Consumer(string key) =>
        new JsonObject { ["username"] = "jack", ["plugins"] = new JsonObject { ["key-auth"] = new JsonObject { ["key"] = key } }, ["update_time"] = 5 }.ToJsonString();

    [Fact]
    public void A_secret_sealed_with_another_keyring_compares_equal_and_a_changed_one_does_not()
    {
        var values = new ComparableValues([New, Old]);
        var before = values.Resource(ResourceKind.Consumer, Consumer(Old.Encrypt("jack-key")));
        var resealed = values.Resource(ResourceKind.Consumer, Consumer(New.Encrypt("jack-key")));
        var changed = values.Resource(ResourceKind.Consumer, Consumer(New.Encrypt("other-key")));
        Assert.True(JsonNode.DeepEquals(before, resealed));
        Assert.False(JsonNode.DeepEquals(before, changed));
        Assert.False(before.ContainsKey("update_time"));
    }

    [Fact]
    public void Masked_values_hold_no_secret_nor_a_token_of_it()
    {
        var values = new ComparableValues([New]);
        var prepared = values.Resource(ResourceKind.Consumer, Consumer("jack-clear-key"));
        var masked = ComparableValues.Masked(prepared)!.ToJsonString();
        Assert.DoesNotContain("jack-clear-key", masked);
        Assert.Equal("""{"username":"jack","plugins":{"key-auth":{"key":"******"}}}""", masked);
        // Tokens are keyed per instance: another diff gives another token for the same secret (nothing to collect).
        var again = new ComparableValues([New]).Resource(ResourceKind.Consumer, Consumer("jack-clear-key"));
        Assert.NotEqual(prepared["plugins"]!["key-auth"]!["key"]!.ToString(), again["plugins"]!["key-auth"]!["key"]!.ToString());
    }

    [Fact]
    public void The_keyring_of_an_instance_configuration_is_masked()
    {
        var values = new ComparableValues([]);
        var config = ComparableValues.Masked(values.Config("""{"data_encryption":{"keyring":["k1-0123456789abcdef","k2-0123456789abcdef"]},"discovery":{"dns":{}}}"""))!;
        Assert.Equal("""{"data_encryption":{"keyring":["******","******"]},"discovery":{"dns":{}}}""", config.ToJsonString());
    }
}
