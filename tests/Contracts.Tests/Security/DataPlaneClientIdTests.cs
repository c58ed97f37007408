using OrleansGateway.Contracts.Security;

namespace OrleansGateway.Contracts.Tests.Security;

public class DataPlaneClientIdTests
{
    private static GrainId Client(string key) => GrainId.Create(GrainTypePrefix.ClientGrainType, key);

    [Theory]
    [InlineData("default")]
    [InlineData("team-a.prod_1")]
    public void A_new_key_names_its_group_and_no_two_are_alike(string group)
    {
        var first = DataPlaneClientId.NewKey(group);
        Assert.Equal(group, DataPlaneClientId.GroupOf(Client(first)));
        Assert.NotEqual(first, DataPlaneClientId.NewKey(group));
        // '+' would make Orleans read the id as an observer of a client named "dp": every data plane would collide.
        Assert.DoesNotContain('+', first);
    }

    [Fact]
    public void Other_ids_name_no_group()
    {
        Assert.Null(DataPlaneClientId.GroupOf(null));
        Assert.Null(DataPlaneClientId.GroupOf(Client(Guid.NewGuid().ToString("N"))));
        Assert.Null(DataPlaneClientId.GroupOf(Client("dp~")));
        Assert.Null(DataPlaneClientId.GroupOf(GrainId.Create("gatewaygroup", DataPlaneClientId.NewKey("default"))));
    }
}
