namespace OrleansGateway.DataPlane.Sources;

/// <summary>What <c>/status</c> reports besides the applied configuration: the mode and the last fallback poll.</summary>
public sealed class DataPlaneStatus
{
    private readonly Lock _lock = new();

    /// <summary><c>control_plane</c>, <c>fallback</c>, <c>standalone</c>, <c>cache</c> or <c>empty</c>.</summary>
    public string Mode { get; private set; } = "empty";

    public bool ControlPlaneConnected { get; private set; }

    public DateTimeOffset? LastPollAt
    {
        get { lock (_lock) { return _lastPollAt; } }
        private set => _lastPollAt = value;
    }

    private DateTimeOffset? _lastPollAt;

    /// <summary><c>newer</c>, <c>unchanged</c>, <c>not_newer</c>, <c>missing</c>, <c>refused</c> or <c>unreachable</c>.</summary>
    public string? LastPollResult { get; private set; }

    public string? LastPollError { get; private set; }

    public long RefusedSnapshots { get; private set; }

    /// <summary>Why the last attempt to connect to the control plane failed (or refused it), until one succeeds.</summary>
    public string? ControlPlaneError { get; private set; }

    public void SetControlPlaneError(string? why)
    {
        lock (_lock)
        {
            ControlPlaneError = why;
        }
    }

    /// <summary>
    /// Why the last configuration received was refused although it arrived whole (its encrypted secrets do not open
    /// with the keyring it came with), until one is applied; the served version stays.
    /// </summary>
    public string? ApplyError { get; private set; }

    public void SetApplyError(string? why)
    {
        lock (_lock)
        {
            ApplyError = why;
        }
    }

    /// <summary>The last time the source confirmed the served configuration current (a CP answer, a store poll).</summary>
    /// <remarks>Read under the lock: a nullable <see cref="DateTimeOffset"/> is not read or written atomically.</remarks>
    public DateTimeOffset? LastSyncAt
    {
        get { lock (_lock) { return _lastSyncAt; } }
        private set => _lastSyncAt = value;
    }

    private DateTimeOffset? _lastSyncAt;

    /// <summary>The control plane answered and the served configuration is up to date with it.</summary>
    public void Synced(DateTimeOffset at)
    {
        lock (_lock)
        {
            LastSyncAt = at;
        }
    }

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
            else if (result is "newer" or "unchanged" or "not_newer")
            {
                LastSyncAt = at;
            }
        }
    }
}
