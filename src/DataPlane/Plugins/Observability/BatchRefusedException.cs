namespace OrleansGateway.DataPlane.Plugins.Observability;

/// <summary>A sink answered a batch with a failure status.</summary>
public sealed class BatchRefusedException(string message) : Exception(message);
