namespace OrleansGateway.Grains.Storage;

/// <summary>The stored group version was not the one the commit expected: someone else wrote the group.</summary>
public sealed class GroupVersionConflictException(string group, long expected)
    : Exception($"gateway group \"{group}\" is no longer at version {expected}")
{
    /// <summary>The group whose commit was refused.</summary>
    public string Group { get; } = group;
}
