namespace OrleansGateway.DataPlane.Sources;

/// <summary>What <c>/status</c> reports besides the applied configuration: the mode and the last fallback poll.</summary>
public sealed class DataPlaneStatus
{
    private readonly Lock _lock = new();

    /// <summary><c>control_plane</c>, <c>fallback</c>, <c>standalone</c>, <c>cache</c> or <c>empty</c>.</summary>
    public string Mode { get; private set; } = "empty";

    public bool ControlPlaneConnected { get; private set; }

    public DateTimeOffset? LastPollAt { get; private set; }

    /// <summary><c>newer</c>, <c>unchanged</c>, <c>not_newer</c>, <c>missing</c>, <c>refused</c> or <c>unreachable</c>.</summary>
    public string? LastPollResult { get; private set; }

    public string? LastPollError { get; private set; }

    public long RefusedSnapshots { get; private set; }

    public void SetMode(string mode, bool controlPlaneConnected)
    {
        lock (_lock)
        {
            Mode = mode;
            ControlPlaneConnected = controlPlaneConnected;
        }
    }

    public void RecordPoll(DateTimeOffset at, string result, string? error = null)
    {
        lock (_lock)
        {
            LastPollAt = at;
            LastPollResult = result;
            LastPollError = error;
            if (result == "refused")
            {
                RefusedSnapshots++;
            }
        }
    }
}
