namespace OrleansGateway.Configuration;

/// <summary>A configuration value the process refuses to start with; the message names the key and the value.</summary>
public sealed class GatewayConfigException(string message) : Exception(message);
