using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;

namespace OrleansGateway.Grains.Tests.Groups;

/// <summary>
/// A group's grain stays active while the group exists (an idle collection would make the next write or data-plane
/// reload wait for the whole group to load again); a grain asked about a group that does not exist does not.
/// </summary>
[Collection(ClusterCollection.Name)]
public class GroupLifetimeTests(ClusterFixture fixture)
{
    [Fact]
    public async Task An_idle_collection_keeps_existing_groups_and_drops_the_grains_of_missing_ones()
    {
        var existing = "g-live-" + Guid.NewGuid().ToString("N")[..8];
        var missing = "g-none-" + Guid.NewGuid().ToString("N")[..8];
        var group = fixture.Grains.GetGrain<IGatewayGroupGrain>(existing);
        Assert.Equal(201, (await group.Create(existing, null)).Status);
        Assert.Equal(201, (await group.Put(ResourceKind.Upstream, "u1", """{"nodes":{"127.0.0.1:1980":1}}""")).Status);
        Assert.Equal(404, (await fixture.Grains.GetGrain<IGatewayGroupGrain>(missing).GetInfo()).Status);

        var management = fixture.Grains.GetGrain<IManagementGrain>(0);
        async Task<HashSet<string>> ActiveGroupsAsync() =>
            [.. (await management.GetDetailedGrainStatistics()).Select(s => s.GrainId.ToString())];
        var before = await ActiveGroupsAsync();
        Assert.Contains(before, id => id.EndsWith("/" + existing, StringComparison.Ordinal));
        Assert.Contains(before, id => id.EndsWith("/" + missing, StringComparison.Ordinal));

        await Task.Delay(TimeSpan.FromSeconds(2));
        await management.ForceActivationCollection(TimeSpan.FromSeconds(1));

        var after = await ActiveGroupsAsync();
        Assert.Contains(after, id => id.EndsWith("/" + existing, StringComparison.Ordinal));
        Assert.DoesNotContain(after, id => id.EndsWith("/" + missing, StringComparison.Ordinal));
    }
}
