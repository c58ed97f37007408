namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// The request side of a route's plugins, in APISIX's order: the global rules' rewrite phase, the route's rewrite
/// phase (where authentication finds the consumer), the consumer's plugins merged in (its group's, then its own) with
/// the rewrite phase of those the route did not have, the global rules' access phase, the route's access phase.
/// </summary>
public static class RequestPlugins
{
    /// <summary>
    /// Runs them; the chain that applies to this request (the route's, or merged with its consumer), for the response
    /// phase, or null when a plugin (or a missing consumer group) answered the request.
    /// </summary>
    public static async ValueTask<PluginChain?> RunAsync(IReadOnlyList<PluginChain> globals, PluginChain? routeChain, PluginContext context)
    {
        var chain = routeChain ?? PluginChain.Empty;
        context.Chain = chain;
        for (var i = 0; i < globals.Count; i++)
        {
            if (!await globals[i].OnRewriteAsync(context))
            {
                return null;
            }
        }
        if (!await chain.OnRewriteAsync(context))
        {
            return null;
        }
        if (context.Consumer is { } consumer)
        {
            if (consumer.GroupMissing)
            {
                // As APISIX: the consumer's group was deleted with force; its requests get 503.
                await Proxy.ProxyMiddleware.Error(context.Http, 503, $"failed to fetch consumer group [{consumer.GroupId}] of consumer [{consumer.Username}]");
                return null;
            }
            var merged = consumer.Merge(chain, context.Route.Id);
            if (!ReferenceEquals(merged, chain))
            {
                chain = merged;
                context.Chain = chain;
                if (!await chain.OnConsumerRewriteAsync(context))
                {
                    return null;
                }
            }
        }
        for (var i = 0; i < globals.Count; i++)
        {
            if (!await globals[i].OnAccessAsync(context))
            {
                return null;
            }
        }
        return await chain.OnAccessAsync(context) ? chain : null;
    }

    /// <summary>
    /// Once the request is complete, however it ended: the log phase of the global rules and of the chain that
    /// applied, then what the request held is released. Never throws.
    /// </summary>
    public static void Complete(IReadOnlyList<PluginChain> globals, PluginContext context)
    {
        try
        {
            for (var i = 0; i < globals.Count; i++)
            {
                globals[i].OnLog(context);
            }
            context.Chain?.OnLog(context);
        }
        finally
        {
            context.ReleaseLeases();
        }
    }
}
