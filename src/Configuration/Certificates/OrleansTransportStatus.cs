namespace OrleansGateway.Configuration.Certificates;

/// <summary>How a node's Orleans connections are secured, for <c>/status</c> and the start-up log.</summary>
public static class OrleansTransportStatus
{
    /// <summary><c>mtls</c>, <c>loopback</c> (plain TCP that never leaves the host) or <c>insecure</c>.</summary>
    public static string Describe(GatewayConfig config) =>
        config.Certs is not null ? "mtls" : config.InsecureOrleans ? "insecure" : "loopback";

    /// <summary>Warnings an operator should see (empty when there are none).</summary>
    public static IReadOnlyList<string> Warnings(GatewayConfig config) => config.InsecureOrleans
        ? [$"Orleans connections run without TLS (deployment.orleans.allow_insecure: true) although {OrleansTransport.Exposure(config)}: anyone who reaches the Orleans ports can read and change every gateway group"]
        : [];
}
