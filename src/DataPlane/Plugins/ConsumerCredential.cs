using System.Text.Json.Nodes;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>A consumer's credential for one authentication plugin, its secret fields in clear.</summary>
/// <param name="Consumer">Whose it is.</param>
/// <param name="Config">The plugin's configuration on the consumer (<c>{"key":"…","secret":"…"}</c>).</param>
public sealed record ConsumerCredential(ConsumerEntry Consumer, JsonObject Config)
{
    /// <summary>Whatever the plugin derives from <see cref="Config"/> once (a parsed public key), built on first use.</summary>
    public object? Compiled { get; set; }
}
