using Microsoft.Extensions.Logging;

namespace OrleansGateway.Configuration;

public static class GatewayLogging
{
    /// <summary>
    /// Operator-level logs for both hosts: one line per event, UTC timestamps, our own events at Information and
    /// framework chatter (ASP.NET Core, Orleans, Polly, YARP) at Warning.
    /// </summary>
    public static ILoggingBuilder AddGatewayLogging(this ILoggingBuilder logging)
    {
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // ASP.NET Core starts an Activity for every request when this category logs at any level (for log scopes),
        // and the forwarder then injects a fresh traceparent into every upstream request: a few percent of the
        // proxy's requests/s for traces no one records (bench/README.md). It logs request start/finish (Information)
        // and startup failures, which also surface from the host itself. With OpenTelemetry tracing on, requests
        // still get their Activity from the listener.
        logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        logging.AddFilter("Orleans", LogLevel.Warning);
        // A failed TLS handshake is logged once, by our own check, with the peer's subject, issuer and the reason.
        logging.AddFilter("Orleans.Connections.Security", LogLevel.Error);
        // Category filters match by prefix, and "Orleans" is a prefix of our own "OrleansGateway".
        logging.AddFilter("OrleansGateway", LogLevel.Information);
        logging.AddFilter("Polly", LogLevel.Warning);
        logging.AddFilter("Yarp", LogLevel.Warning);
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });
        return logging;
    }
}
