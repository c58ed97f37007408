namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// Answers before anything else runs: the route's configuration refers to something that is gone (deleted with
/// <c>force</c>), with the status APISIX answers such a route with (503; 404 for a missing service). The reason goes in
/// the body, as our other errors do.
/// </summary>
public sealed class UnavailablePlugin(int status, string reason) : ProxyPlugin("unavailable", int.MaxValue)
{
    public override ValueTask<bool> OnRequestAsync(PluginContext context) => RespondAsync(context, status, new { error_msg = reason });
}
