namespace OrleansGateway.Configuration.Certificates;

/// <summary>
/// Carries a certificate refusal from the TLS validation callback to the connection it belongs to: a connection
/// handler opens a <see cref="Scope"/> before the handshake, the validator (running inside that handshake's async
/// flow) records into it, and the handler reads it after a failed handshake to log one line that says why.
/// </summary>
public static class HandshakeRefusals
{
    private static readonly AsyncLocal<Scope?> CurrentScope = new();

    public static Scope Begin() => CurrentScope.Value = new Scope();

    internal static void Record(string reason)
    {
        if (CurrentScope.Value is { } scope)
        {
            scope.Reason = reason;
        }
    }

    public sealed class Scope
    {
        /// <summary>The refusal recorded during this connection's handshake, if any.</summary>
        public string? Reason { get; internal set; }
    }
}
