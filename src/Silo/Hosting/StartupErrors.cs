using OrleansGateway.Configuration;

namespace OrleansGateway.Silo.Hosting;

/// <summary>Turns a bad configuration into one clear line on stderr and a non-zero exit, before anything starts.</summary>
public static class StartupErrors
{
    public static bool TryLoad(IConfigurationManager configuration, string[] args, out GatewayConfig config)
    {
        if (!GatewayConfigLoader.TryLoadForHost(configuration, args, "orleans-gateway", out config))
        {
            return false;
        }
        if (config.Role == "data_plane")
        {
            Console.Error.WriteLine("orleans-gateway: " + ConfigReader.Invalid("deployment:role", config.Role,
                "this is the control-plane host; start a data plane with `dotnet run --project src/DataPlane`").Message);
            return false;
        }
        return true;
    }
}
