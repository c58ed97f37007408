using System.Text.Json.Nodes;

namespace OrleansGateway.DataPlane.Plugins.Requests;

/// <summary>
/// <c>mocking</c>: the gateway answers every request itself, never the upstream: <c>response_status</c> (200) with
/// <c>response_example</c> (variables resolved) or a body made from <c>response_schema</c> (JSON, or XML under a
/// <c>data</c> root for XML types), of <c>content_type</c>, after <c>delay</c> seconds; <c>x-mock-by</c> says so
/// unless <c>with_mock_header</c> is false; <c>response_headers</c> are added.
/// </summary>
public sealed class MockingPlugin : ProxyPlugin
{
    private static readonly string Version = typeof(MockingPlugin).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
    private readonly int _status;
    private readonly string _contentType;
    private readonly VarTemplate? _example;
    private readonly JsonObject? _schema;
    private readonly bool _mockHeader;
    private readonly (string Name, VarTemplate Value)[] _headers;
    private readonly TimeSpan _delay;
    private readonly TimeProvider _time;

    public MockingPlugin(JsonObject config, TimeProvider time) : base("mocking", 10900, PluginPhase.Access)
    {
        _status = config["response_status"]?.GetValue<int>() ?? 200;
        _contentType = Text(config, "content_type") ?? "application/json;charset=utf8";
        _example = config["response_example"] is JsonValue example ? VarTemplate.Parse(example.GetValue<string>()) : null;
        _schema = config["response_schema"] as JsonObject;
        _mockHeader = config["with_mock_header"]?.GetValue<bool>() ?? true;
        _headers = VarTemplate.Headers(config["response_headers"] as JsonObject);
        _delay = TimeSpan.FromSeconds(Math.Max(0, config["delay"]?.GetValue<int>() ?? 0));
        _time = time;
    }

    public override async ValueTask<bool> OnRequestAsync(PluginContext context)
    {
        var body = _example is not null ? _example.Resolve(context).Text : _schema is not null ? MockBody.Generate(_schema, MimeOf(_contentType)) : "";
        if (_delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(_delay, _time, context.Http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
        var response = context.Http.Response;
        response.StatusCode = _status;
        response.ContentType = _contentType;
        if (_mockHeader)
        {
            response.Headers["x-mock-by"] = $"OrleansGateway/{Version}";
        }
        foreach (var (name, value) in _headers)
        {
            response.Headers.Append(name, value.Resolve(context).Text);
        }
        await response.WriteAsync(body);
        return false;
    }

    private static string MimeOf(string contentType) => contentType.IndexOf(';') is var at and >= 0 ? contentType[..at] : contentType;
}
