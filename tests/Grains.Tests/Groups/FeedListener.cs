using System.Threading.Channels;
using OrleansGateway.Contracts.Feed;
using OrleansGateway.Contracts.Grains;

namespace OrleansGateway.Grains.Tests.Groups;

/// <summary>A follower of a group as a data plane follows it: an observer on the test client, registered by a heartbeat.</summary>
internal sealed class FeedListener : IGroupFollower, IAsyncDisposable
{
    private readonly IClusterClient _client;
    private readonly string _group;
    private readonly IGroupFollower _reference;

    private FeedListener(IClusterClient client, string group, string instanceId)
    {
        _client = client;
        _group = group;
        InstanceId = instanceId;
        _reference = client.CreateObjectReference<IGroupFollower>(this);
    }

    public string InstanceId { get; }

    public Channel<GroupChanged> Received { get; } = Channel.CreateUnbounded<GroupChanged>();

    public static async Task<FeedListener> StartAsync(IClusterClient client, string group, string? instanceId = null, long version = 0)
    {
        var listener = new FeedListener(client, group, instanceId ?? "test-" + Guid.NewGuid().ToString("N")[..8]);
        await listener.HeartbeatAsync(version);
        return listener;
    }

    public Task<long> HeartbeatAsync(long version, string mode = "control_plane") =>
        _client.GetGrain<IGroupFeedGrain>(_group).Heartbeat(_reference, new DataPlaneHeartbeat(InstanceId, "test-host", version, mode, DateTimeOffset.UnixEpoch));

    /// <summary>Asks the silo to stop pushing to <paramref name="instanceId"/>, presenting this listener's receiver.</summary>
    public Task LeaveAsync(string instanceId) => _client.GetGrain<IGroupFeedGrain>(_group).Leave(_reference, instanceId);

    public Task OnChanged(GroupChanged change) => Received.Writer.WriteAsync(change).AsTask();

    public async Task<GroupChanged> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        return await Received.Reader.ReadAsync(cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _client.GetGrain<IGroupFeedGrain>(_group).Leave(_reference, InstanceId);
        _client.DeleteObjectReference<IGroupFollower>(_reference);
    }
}
