using OrleansGateway.Configuration;

namespace OrleansGateway.Silo.Hosting;

/// <summary>Turns a bad configuration into one clear line on stderr and a non-zero exit, before anything starts.</summary>
public static class StartupErrors
{
    public static bool TryLoad(IConfigurationManager configuration, string[] args, out GatewayConfig config)
    {
        try
        {
            configuration.AddGatewayConfig(args);
            config = GatewayConfigLoader.Load(configuration);
            if (config.Role == "data_plane")
            {
                throw ConfigReader.Invalid("deployment:role", config.Role, "this is the control-plane host; start a data plane with `dotnet run --project src/DataPlane`");
            }
            return true;
        }
        catch (GatewayConfigException e)
        {
            Console.Error.WriteLine($"orleans-gateway: {e.Message}");
            config = new GatewayConfig();
            return false;
        }
    }
}
