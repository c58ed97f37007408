using System.Text.Json.Nodes;
using OrleansGateway.Grains.Groups;

namespace OrleansGateway.Grains.Tests.Groups;

/// <summary>APISIX's sub-path PATCH: one field set, objects created on the way, null removing.</summary>
public class JsonSubPathTests
{
    [Fact]
    public void A_top_level_field_is_replaced_whole()
    {
        var route = JsonNode.Parse("""{"uri":"/a","methods":["GET","POST"]}""")!.AsObject();
        Assert.Null(JsonSubPath.Set(route, "methods", JsonNode.Parse("""["PUT"]""")));
        Assert.Equal("""{"uri":"/a","methods":["PUT"]}""", route.ToJsonString());
    }

    [Fact]
    public void A_nested_field_is_set_and_missing_objects_are_created()
    {
        var route = JsonNode.Parse("""{"uri":"/a"}""")!.AsObject();
        Assert.Null(JsonSubPath.Set(route, "upstream/nodes", JsonNode.Parse("""{"127.0.0.1:80":1}""")));
        Assert.Equal("""{"uri":"/a","upstream":{"nodes":{"127.0.0.1:80":1}}}""", route.ToJsonString());
    }

    [Fact]
    public void Null_removes_the_field()
    {
        var route = JsonNode.Parse("""{"uri":"/a","desc":"x"}""")!.AsObject();
        Assert.Null(JsonSubPath.Set(route, "desc", null));
        Assert.Equal("""{"uri":"/a"}""", route.ToJsonString());
    }

    [Theory]
    [InlineData("uri/x", "invalid sub-path: /uri")]
    [InlineData("methods/0/x", "invalid sub-path: /methods")]
    public void A_step_through_a_value_that_is_not_an_object_is_refused_and_changes_nothing(string path, string expected)
    {
        var route = JsonNode.Parse("""{"uri":"/a","methods":["GET"]}""")!.AsObject();
        Assert.Equal(expected, JsonSubPath.Set(route, path, JsonValue.Create(1)));
        Assert.Equal("""{"uri":"/a","methods":["GET"]}""", route.ToJsonString());
    }
}
