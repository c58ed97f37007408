using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;

namespace OrleansGateway.DataPlane.Plugins.Requests;

/// <summary>
/// <c>client-control</c>: <c>max_body_size</c> bytes at most in this request's body (0: no limit). A declared length
/// over it answers 413 at once; a chunked body is held to it while it is read (Kestrel refuses past it).
/// </summary>
public sealed class ClientControlPlugin : ProxyPlugin
{
    private readonly long? _maxBodySize;

    public ClientControlPlugin(JsonObject config) : base("client-control", 22000)
    {
        _maxBodySize = config["max_body_size"]?.GetValue<long>();
    }

    public override ValueTask<bool> OnRequestAsync(PluginContext context)
    {
        if (_maxBodySize is not { } max)
        {
            return ValueTask.FromResult(true);
        }
        if (max > 0 && context.Http.Request.ContentLength > max)
        {
            context.Http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return ValueTask.FromResult(false);
        }
        if (context.Http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = max == 0 ? null : max;
        }
        return ValueTask.FromResult(true);
    }
}
