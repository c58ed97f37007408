using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using OrleansGateway.DataPlane.Proxy;
using OrleansGateway.DataPlane.Routing;

namespace OrleansGateway.DataPlane.Plugins.Observability;

/// <summary>
/// <c>http-logger</c>: every request it applies to becomes a log entry (<see cref="LogEntries"/>: the full entry, or
/// the route's <c>log_format</c>, else the plugin metadata's), buffered by a <see cref="BatchProcessor"/> and POSTed to
/// <c>uri</c> in batches: a JSON array (one object when <c>batch_max_size</c> is 1) or, with
/// <c>concat_method: new_line</c>, one JSON object a line. An answer of 400 or more is a failure (retried as
/// configured). <c>auth_header</c> goes as the Authorization header; <c>include_req_body</c> and
/// <c>include_resp_body</c> (each with an optional expression) add the bodies, cut to their <c>max_*_body_bytes</c>.
/// The request never waits for the sink.
/// </summary>
public sealed class HttpLoggerPlugin : ProxyPlugin
{
    private static readonly HttpClient Verifying = new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(2) });
    private static readonly HttpClient NotVerifying = new(new SocketsHttpHandler
    {
        UseCookies = false,
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
    });

    private readonly Uri _uri;
    private readonly string? _authorization;
    private readonly TimeSpan _timeout;
    private readonly JsonObject? _format;
    private readonly JsonObject? _extra;
    private readonly bool _includeRequestBody;
    private readonly VarsExpression? _requestBodyWhen;
    private readonly bool _includeResponseBody;
    private readonly VarsExpression? _responseBodyWhen;
    private readonly long _maxRequestBody;
    private readonly int _maxResponseBody;
    private readonly bool _newLine;
    private readonly bool _verify;
    private readonly long _maxPending;
    private readonly int _batchMaxSize;
    private readonly BatchProcessor _processor;

    public HttpLoggerPlugin(JsonObject config, string scope, PluginEnvironment environment)
        : base("http-logger", 410, config["include_req_body"]?.GetValue<bool>() == true ? PluginPhase.Access : PluginPhase.None)
    {
        _uri = new Uri(config["uri"]!.GetValue<string>());
        _authorization = Text(config, "auth_header");
        _timeout = TimeSpan.FromSeconds(config["timeout"]?.GetValue<int>() ?? 3);
        var metadata = environment.Metadata(Name);
        // As APISIX: the route's log_format wins (even empty), else the metadata's when it has fields.
        _format = config["log_format"] as JsonObject ?? (metadata?["log_format"] is JsonObject { Count: > 0 } shared ? shared : null);
        _extra = config["log_format_extra"] as JsonObject ?? metadata?["log_format_extra"] as JsonObject;
        _includeRequestBody = config["include_req_body"]?.GetValue<bool>() ?? false;
        _requestBodyWhen = config["include_req_body_expr"] is JsonArray requestWhen ? VarsExpression.Compile(requestWhen) : null;
        _includeResponseBody = config["include_resp_body"]?.GetValue<bool>() ?? false;
        _responseBodyWhen = config["include_resp_body_expr"] is JsonArray responseWhen ? VarsExpression.Compile(responseWhen) : null;
        _maxRequestBody = config["max_req_body_bytes"]?.GetValue<long>() ?? 524288;
        _maxResponseBody = config["max_resp_body_bytes"]?.GetValue<int>() ?? 524288;
        _newLine = Text(config, "concat_method") == "new_line";
        _verify = config["ssl_verify"]?.GetValue<bool>() ?? false;
        _maxPending = metadata?["max_pending_entries"]?.GetValue<long>() ?? 8192;
        var settings = BatchSettings.From(Name, config, "http logger");
        _batchMaxSize = settings.BatchMaxSize;
        _processor = BatchProcessor.For(scope, settings, SendAsync, environment.Time);
    }

    public override bool HasLogPhase => true;

    public override bool NeedsResponseBytes => true;

    /// <summary>Reads the request body now, when the entry is to carry it (it is forwarded whole all the same).</summary>
    public override async ValueTask<bool> OnRequestAsync(PluginContext context)
    {
        if (_includeRequestBody && (_requestBodyWhen?.Matches(context.Request) ?? true) && BufferedBody.HasBody(context.Http.Request))
        {
            var cap = Math.Clamp(_maxRequestBody, 1024 * 1024, 64L * 1024 * 1024);
            context.Http.Items[this] = await BufferedBody.ReadAsync(context.Http, cap);
        }
        return true;
    }

    public override void OnResponse(PluginContext context)
    {
        if (_includeResponseBody && (_responseBodyWhen?.Matches(context.Request) ?? true))
        {
            context.ResponseBytes?.Capture(_maxResponseBody);
        }
    }

    public override void OnLog(PluginContext context)
    {
        var bodies = new LogEntries.Bodies(
            context.Http.Items.TryGetValue(this, out var body) ? LogEntries.Text(body as byte[], _maxRequestBody) : null,
            _includeResponseBody ? LogEntries.Text(context.ResponseBytes?.Captured, _maxResponseBody) : null);
        JsonObject entry;
        if (_format is not null)
        {
            entry = LogEntries.Custom(context, _format, bodies);
        }
        else
        {
            entry = LogEntries.Full(context, bodies);
            if (_extra is not null)
            {
                LogEntries.AddExtra(context, entry, _extra, bodies);
            }
        }
        _processor.Push(entry, _maxPending);
    }

    private async Task SendAsync(IReadOnlyList<JsonObject> entries, CancellationToken cancellationToken)
    {
        string payload;
        if (_batchMaxSize == 1)
        {
            payload = ClientJson.Serialize(entries[0]);
        }
        else if (_newLine)
        {
            payload = string.Join('\n', entries.Select(e => ClientJson.Serialize(e)));
        }
        else
        {
            payload = ClientJson.Serialize(entries);
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, _uri)
        {
            Content = new StringContent(payload, Encoding.UTF8, _newLine ? "text/plain" : "application/json"),
        };
        if (_authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", _authorization);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        HttpResponseMessage response;
        try
        {
            response = await (_verify ? Verifying : NotVerifying).SendAsync(request, timeout.Token);
        }
        catch (HttpRequestException e)
        {
            throw new HttpRequestException($"failed to connect to host[{_uri.Host}] port[{_uri.Port}] {e.Message}", e);
        }
        using (response)
        {
            if ((int)response.StatusCode >= 400)
            {
                var text = await response.Content.ReadAsStringAsync(timeout.Token);
                throw new BatchRefusedException($"server returned status code[{(int)response.StatusCode}] host[{_uri.Host}] port[{_uri.Port}] body[{text}]");
            }
        }
    }
}
