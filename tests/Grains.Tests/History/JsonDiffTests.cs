using System.Text.Json.Nodes;
using OrleansGateway.Grains.History;

namespace OrleansGateway.Grains.Tests.History;

public class JsonDiffTests
{
    private static string[] Ops(string before, string after) =>
        JsonDiff.Compare(JsonNode.Parse(before), JsonNode.Parse(after)).Select(o => o!.ToJsonString()).ToArray();

    [Fact]
    public void Equal_values_have_no_operations() =>
        Assert.Empty(Ops("""{"a":1,"b":[1,2],"c":{"d":null}}""", """{"c":{"d":null},"b":[1,2],"a":1}"""));

    [Fact]
    public void Members_are_added_removed_and_replaced_with_their_old_values()
    {
        Assert.Equal(
            [
                """{"op":"remove","path":"/gone","old":"x"}""",
                """{"op":"replace","path":"/uri","value":"/b","old":"/a"}""",
                """{"op":"add","path":"/new","value":{"k":true}}""",
            ],
            Ops("""{"gone":"x","uri":"/a"}""", """{"uri":"/b","new":{"k":true}}"""));
    }

    [Fact]
    public void Paths_escape_tilde_and_slash_as_json_pointer_says()
    {
        Assert.Equal(["""{"op":"replace","path":"/nodes/127.0.0.1:80~1x~0y","value":2,"old":1}"""],
            Ops("""{"nodes":{"127.0.0.1:80/x~y":1}}""", """{"nodes":{"127.0.0.1:80/x~y":2}}"""));
    }

    [Fact]
    public void Arrays_of_the_same_length_are_compared_by_element_others_replaced_whole()
    {
        Assert.Equal(["""{"op":"replace","path":"/methods/1","value":"PUT","old":"POST"}"""],
            Ops("""{"methods":["GET","POST"]}""", """{"methods":["GET","PUT"]}"""));
        Assert.Equal(["""{"op":"replace","path":"/methods","value":["GET"],"old":["GET","POST"]}"""],
            Ops("""{"methods":["GET","POST"]}""", """{"methods":["GET"]}"""));
    }

    [Fact]
    public void A_null_member_is_a_value_not_an_absence()
    {
        Assert.Equal(["""{"op":"replace","path":"/a","value":null,"old":1}"""], Ops("""{"a":1}""", """{"a":null}"""));
        Assert.Equal(["""{"op":"add","path":"/a","value":null}"""], Ops("""{}""", """{"a":null}"""));
    }
}
