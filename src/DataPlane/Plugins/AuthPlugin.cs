using System.Text.Json.Nodes;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// What APISIX's authentication plugins share: find the consumer by a credential (<see cref="FindAsync"/>); when none
/// is found answer 401 with the reason and a <c>WWW-Authenticate</c> challenge naming the <c>realm</c>, unless an
/// <c>anonymous_consumer</c> is configured, which then stands in (401 "Invalid user authorization" when it does not
/// exist). The consumer found is attached to the request: later plugins see it and the upstream gets
/// <c>X-Consumer-Username</c> (a client's own <c>X-Credential-Identifier</c> and <c>X-Consumer-Custom-ID</c> removed).
/// </summary>
public abstract class AuthPlugin : ProxyPlugin
{
    private readonly string _challenge;
    private readonly string? _anonymous;

    protected AuthPlugin(string name, int priority, JsonObject config, string scheme, string defaultRealm) : base(name, priority)
    {
        _challenge = $"{scheme} realm=\"{Text(config, "realm") ?? defaultRealm}\"";
        _anonymous = Text(config, "anonymous_consumer");
        HideCredentials = config["hide_credentials"]?.GetValue<bool>() ?? false;
    }

    /// <summary><c>hide_credentials</c>: the credential is removed before the request goes upstream.</summary>
    protected bool HideCredentials { get; }

    /// <summary>The credential the request proves, or why not (401 unless <see cref="Outcome.Status"/> says otherwise).</summary>
    protected abstract ValueTask<Outcome> FindAsync(PluginContext context);

    /// <summary>With <c>hide_credentials</c>: removes the credential from the request (authenticated or anonymous).</summary>
    protected virtual void Hide(PluginContext context)
    {
    }

    public sealed override async ValueTask<bool> OnRequestAsync(PluginContext context)
    {
        var outcome = await FindAsync(context);
        var consumer = outcome.Credential?.Consumer;
        if (consumer is null)
        {
            if (outcome.Status != 401)
            {
                return await RespondAsync(context, outcome.Status, new { message = outcome.Error });
            }
            consumer = _anonymous is null ? null : context.Consumers.ByUsername(_anonymous);
            if (consumer is null)
            {
                context.Http.Response.Headers.WWWAuthenticate = _challenge;
                return await RespondAsync(context, 401, new { message = _anonymous is null ? outcome.Error : "Invalid user authorization" });
            }
        }
        if (HideCredentials)
        {
            Hide(context);
        }
        Attach(context, consumer);
        return true;
    }

    private static void Attach(PluginContext context, ConsumerEntry consumer)
    {
        context.Consumer = consumer;
        var headers = context.Http.Request.Headers;
        headers["X-Consumer-Username"] = consumer.Username;
        headers.Remove("X-Credential-Identifier");
        headers.Remove("X-Consumer-Custom-ID");
    }

    /// <summary>The credential a request proved, or why not: the message the client gets and the status (401 by default).</summary>
    protected readonly record struct Outcome(ConsumerCredential? Credential, string? Error, int Status = 401)
    {
        public static Outcome Of(ConsumerCredential credential) => new(credential, null);

        public static Outcome Fail(string error, int status = 401) => new(null, error, status);

        public static implicit operator ValueTask<Outcome>(Outcome outcome) => ValueTask.FromResult(outcome);
    }
}
