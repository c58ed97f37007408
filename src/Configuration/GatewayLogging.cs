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
        logging.AddFilter("Orleans", LogLevel.Warning);
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
