using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansGateway.Contracts.Plugins;
using OrleansGateway.Contracts.Resources;

namespace OrleansGateway.Contracts.Validation;

/// <summary>
/// Turns an Admin API body into a validated resource value: parses the JSON, checks it against the kind's schema and
/// reconciles the id with the path. As APISIX, no defaults are added to what is stored: they apply where it is served.
/// Referential integrity is the grain's job, since only it knows the group's other resources.
/// </summary>
public static class ResourceValidator
{
    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 64 };

    /// <summary>Parses <paramref name="body"/> as a JSON object, or explains why it is not one.</summary>
    public static JsonObject? ParseObject(string body, out string? error)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(body, documentOptions: ParseOptions);
        }
        catch (JsonException e)
        {
            // APISIX's decoder takes raw line breaks and tabs inside strings (a multi-line proto pasted into a body, as
            // its docs show); so do we, and nothing else that strict JSON refuses.
            if (EscapeControlCharacters(body) is not { } lenient)
            {
                error = $"invalid request body: {e.Message}";
                return null;
            }
            try
            {
                node = JsonNode.Parse(lenient, documentOptions: ParseOptions);
            }
            catch (JsonException)
            {
                error = $"invalid request body: {e.Message}";
                return null;
            }
        }
        if (node is not JsonObject obj)
        {
            error = $"invalid request body: expected a JSON object, got {Schema.TypeName(node)}";
            return null;
        }
        error = null;
        return obj;
    }

    /// <summary><paramref name="body"/> with control characters inside its strings escaped; null when it has none.</summary>
    private static string? EscapeControlCharacters(string body)
    {
        System.Text.StringBuilder? escaped = null;
        var inString = false;
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            if (inString && c == '\\' && i + 1 < body.Length)
            {
                escaped?.Append(c).Append(body[i + 1]);
                i++;
                continue;
            }
            if (c == '"')
            {
                inString = !inString;
            }
            else if (inString && c < ' ')
            {
                escaped ??= new System.Text.StringBuilder(body.Length + 16).Append(body, 0, i);
                escaped.Append(c switch { '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", _ => $"\\u{(int)c:x4}" });
                continue;
            }
            escaped?.Append(c);
        }
        return escaped?.ToString();
    }

    /// <summary>
    /// Validates <paramref name="value"/> as a <paramref name="kind"/> whose id comes from the path
    /// (<paramref name="pathId"/>, null for POST). On success the id field is set: the path's text, or with
    /// <paramref name="keepIdType"/> (the id was read from the body) the body's integer as it came.
    /// </summary>
    public static string? Validate(ResourceKind kind, string? pathId, JsonObject value, bool keepIdType = false)
    {
        // Ids keep the JSON type they were given, as APISIX stores them: an integer id (or upstream_id, service_id, …)
        // stays an integer; everything that reads one takes either (ResourceIds).
        var idField = kind.IdField();
        if (pathId is not null)
        {
            if (ResourceSchemas.IdCheck(kind, pathId) is { } idError)
            {
                // As APISIX words it: the id is a string of the id pattern or an integer, and matched neither.
                return kind == ResourceKind.Consumer
                    ? $"invalid configuration: property \"username\" validation failed: {idError}"
                    : AdminErrors.Described("invalid configuration: property \"id\" validation failed: object matches none of the required",
                        $"id \"{pathId}\" in the path: {idError}");
            }
            var bodyId = value[idField] as JsonValue;
            var bodyText = bodyId?.GetValueKind() is JsonValueKind.String or JsonValueKind.Number ? ResourceIds.Text(bodyId) : null;
            if (bodyText is not null && bodyText != pathId)
            {
                return AdminErrors.Described(kind == ResourceKind.Consumer ? "wrong username" : $"wrong {kind.Singular()} id",
                    $"the body says \"{bodyText}\" but the path says \"{pathId}\"");
            }
            if (!keepIdType || bodyId?.GetValueKind() != JsonValueKind.Number)
            {
                value[idField] = pathId;
            }
        }
        if (kind == ResourceKind.PluginMetadata && PluginMetadataError(pathId, value) is { } metadataError)
        {
            return metadataError;
        }
        if (kind == ResourceKind.Route && RouteChecks.BeforeSchema(value) is { } routeError)
        {
            return routeError;
        }
        if (ResourceSchemas.For(kind).Check(value) is { } error)
        {
            return $"invalid configuration: {error}";
        }
        if (value["plugins"] is JsonObject plugins
            && (kind == ResourceKind.Consumer ? PluginsSchema.ForConsumers : PluginsSchema.ForRoutes).CheckPlugins(plugins) is { } pluginError)
        {
            // As APISIX: a consumer's plugin errors are prefixed, a route's (service's, rule's…) are not.
            return kind == ResourceKind.Consumer ? $"invalid plugins configuration: {pluginError}" : pluginError;
        }
        if (kind == ResourceKind.Route && VarsCheck.Check(value["vars"]) is { } varsError)
        {
            return varsError;
        }
        if (kind == ResourceKind.Ssl && SslCertificates.Check(value) is { } sslError)
        {
            return sslError;
        }
        if (UpstreamChecks.Check(kind, value) is { } upstreamError)
        {
            return upstreamError;
        }
        return null;
    }

    /// <summary>
    /// <c>plugin_metadata/{name}</c>, as APISIX checks it: a plugin provided here, and its metadata schema (an object of
    /// anything for a plugin without one).
    /// </summary>
    private static string? PluginMetadataError(string? name, JsonObject value)
    {
        if (name is null)
        {
            return "missing plugin name";
        }
        if (!PluginCatalog.All.TryGetValue(name, out var plugin))
        {
            return AdminErrors.Described("invalid plugin name", $"the plugins provided are {string.Join(", ", PluginCatalog.All.Keys.Order(StringComparer.Ordinal))}");
        }
        if (plugin.MetadataSchema is not { } schema)
        {
            return null;
        }
        var conf = value.DeepClone().AsObject();
        conf.Remove("id");
        return schema.Check(conf) is { } error ? $"invalid configuration: {error}" : null;
    }

    /// <summary>
    /// APISIX sets <c>create_time</c> and <c>update_time</c> itself and refuses them in a PUT or POST body (on the
    /// resource, its inline upstream or its plugins), with its text (two spaces included); null when none is there.
    /// </summary>
    public static string? ForbiddenTimes(JsonObject value)
    {
        foreach (var (prefix, node) in new[] { ("", (JsonNode?)value), ("upstream.", value["upstream"]), ("plugins.", value["plugins"]) })
        {
            if (node is JsonObject o && new[] { "create_time", "update_time" }.FirstOrDefault(o.ContainsKey) is { } field)
            {
                return $"the property is forbidden:  {prefix}{field}";
            }
        }
        return null;
    }

    /// <summary>
    /// Credentials that must be unique among the group's consumers (a key-auth key or basic-auth username that two
    /// consumers share would authenticate as either), as <c>plugin:value</c> strings: each authentication plugin's
    /// <see cref="PluginDefinition.CredentialField"/>. Secret references are left out (they resolve where used).
    /// </summary>
    public static IReadOnlyList<string> UniqueCredentials(ResourceKind kind, JsonObject value)
    {
        if (kind != ResourceKind.Consumer || value["plugins"] is not JsonObject plugins)
        {
            return [];
        }
        List<string>? credentials = null;
        foreach (var (name, config) in plugins)
        {
            if (PluginCatalog.All.TryGetValue(name, out var plugin) && plugin.CredentialField is { } field
                && config?[field] is JsonValue v && v.TryGetValue<string>(out var text) && !SslCertificates.IsSecretReference(text))
            {
                (credentials ??= []).Add($"{name}:{text}");
            }
        }
        return credentials ?? (IReadOnlyList<string>)[];
    }

    /// <summary>The field a <see cref="UniqueCredentials"/> entry names (<c>key</c>, <c>username</c>), for messages.</summary>
    public static string CredentialFieldOf(string credential) =>
        PluginCatalog.All.GetValueOrDefault(credential[..credential.IndexOf(':')])?.CredentialField ?? "key";

    /// <summary>
    /// The resources <paramref name="value"/> points at: a route's or service's upstream_id, a route's service_id and
    /// plugin_config_id, a consumer's group_id.
    /// </summary>
    public static IReadOnlyList<ResourceKey> References(ResourceKind kind, JsonObject value)
    {
        var refs = new List<ResourceKey>(2);
        void Add(string field, ResourceKind target)
        {
            if (value[field] is JsonValue id)
            {
                refs.Add(new ResourceKey(target, ResourceIds.Text(id)!));
            }
        }
        switch (kind)
        {
            case ResourceKind.Route:
                Add("upstream_id", ResourceKind.Upstream);
                Add("service_id", ResourceKind.Service);
                Add("plugin_config_id", ResourceKind.PluginConfig);
                break;
            case ResourceKind.Service:
                Add("upstream_id", ResourceKind.Upstream);
                break;
            case ResourceKind.Consumer:
                Add("group_id", ResourceKind.ConsumerGroup);
                break;
        }
        if ((kind == ResourceKind.Upstream ? value : value["upstream"])?["tls"]?["client_cert_id"] is JsonValue certId)
        {
            refs.Add(new ResourceKey(ResourceKind.Ssl, ResourceIds.Text(certId)!));
        }
        return refs;
    }

    /// <summary>
    /// Why <paramref name="target"/> (a reference's resource, which exists) cannot be referred to, as APISIX words it;
    /// null when it can: an upstream's client certificate must be an ssl of type <c>client</c>.
    /// </summary>
    public static string? ReferenceError(ResourceKey target, string targetJson)
    {
        if (target.Kind != ResourceKind.Ssl)
        {
            return null;
        }
        using var document = JsonDocument.Parse(targetJson);
        return document.RootElement.TryGetProperty("type", out var type) && type.ValueEquals("client")
            ? null
            : $"failed to fetch ssl info by ssl id [{target.Id}], wrong ssl type";
    }
}
