namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// Answers 503 before anything else runs: the route's configuration refers to something that is gone (a plugin config
/// deleted with <c>force</c>), as APISIX answers such a route. The reason goes in the body, as our other errors do.
/// </summary>
public sealed class UnavailablePlugin(string reason) : ProxyPlugin("unavailable", int.MaxValue)
{
    public override ValueTask<bool> OnRequestAsync(PluginContext context) => RespondAsync(context, 503, new { error_msg = reason });
}
