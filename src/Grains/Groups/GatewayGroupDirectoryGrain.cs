using Orleans.Concurrency;
using OrleansGateway.Contracts.Grains;
using OrleansGateway.Grains.Storage;

namespace OrleansGateway.Grains.Groups;

/// <summary>Lists groups straight from the store; stateless, so any silo answers.</summary>
[StatelessWorker]
public sealed class GatewayGroupDirectoryGrain(IGroupStore store) : Grain, IGatewayGroupDirectoryGrain
{
    public async Task<IReadOnlyList<GroupInfo>> List()
    {
        var groups = await store.ListGroupsAsync(CancellationToken.None);
        return groups.Select(g => new GroupInfo(g.Id, g.Name, g.Description, g.Version, g.CreateTime, g.UpdateTime)).ToList();
    }
}
