using OrleansGateway.Contracts.Grains;
using OrleansGateway.Contracts.Resources;
using OrleansGateway.Snapshots;
using OrleansGateway.Snapshots.Stores;

namespace OrleansGateway.Grains.Tests.Snapshots;

/// <summary>A silo whose snapshot grains run every 10 s (the reminder period is then 10 s too).</summary>
public sealed class ShortScheduleFixture : ClusterFixture
{
    protected override string SnapshotCron => "@every 10s";
}

/// <summary>
/// A group's snapshot schedule outlives its snapshot grain's activation: the grain's reminder brings it back, and it
/// snapshots the group's later changes on schedule without anyone calling it.
/// </summary>
public class SnapshotScheduleTests(ShortScheduleFixture fixture) : IClassFixture<ShortScheduleFixture>
{
    [Fact]
    public async Task A_deactivated_snapshot_grain_comes_back_by_its_reminder_and_snapshots_the_next_change()
    {
        var id = "g-snap-" + Guid.NewGuid().ToString("N")[..8];
        var group = fixture.Grains.GetGrain<IGatewayGroupGrain>(id);
        Assert.Equal(201, (await group.Create(id, null)).Status);
        var first = (await group.Put(ResourceKind.Upstream, "u1", """{"nodes":{"127.0.0.1:1980":1}}""")).Version;
        var store = new SnapshotWriter(new FolderSnapshotStore(fixture.SnapshotFolder), SnapshotLayout.Embedded, null, 3, TimeProvider.System);
        await WaitForSnapshotAsync(store, id, first);

        var snapshots = fixture.Grains.GetGrain<ISnapshotGrain>(id);
        var management = fixture.Grains.GetGrain<IManagementGrain>(0);
        Assert.Equal(1, await management.GetGrainActivationCount((GrainReference)snapshots));
        await snapshots.Cast<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await management.GetGrainActivationCount((GrainReference)snapshots) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the snapshot grain did not deactivate");
            await Task.Delay(50);
        }

        // Nothing calls the snapshot grain from here on: only its reminder can bring it back.
        var second = (await group.Put(ResourceKind.Upstream, "u2", """{"nodes":{"127.0.0.1:1981":1}}""")).Version;
        Assert.True(second > first);
        await WaitForSnapshotAsync(store, id, second);
        Assert.Equal(1, await management.GetGrainActivationCount((GrainReference)snapshots));
    }

    /// <summary>Reads the store, not the grain (asking the grain would activate it).</summary>
    private static async Task WaitForSnapshotAsync(SnapshotWriter store, string group, long version)
    {
        // A reminder tick (10 s) to come back, then the schedule's next slot (10 s), with room for a slow machine.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await store.ReadLatestAsync(group, SnapshotLayout.Resources, CancellationToken.None))?.Version is not { } latest || latest < version)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no snapshot of version {version} within 60 s");
            await Task.Delay(200);
        }
    }
}
