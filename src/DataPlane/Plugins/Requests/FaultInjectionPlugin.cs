using System.Text.Json.Nodes;
using OrleansGateway.DataPlane.Routing;

namespace OrleansGateway.DataPlane.Plugins.Requests;

/// <summary>
/// <c>fault-injection</c> (first in the rewrite phase): <c>delay</c> holds a request <c>duration</c> seconds,
/// <c>abort</c> answers it with <c>http_status</c>, <c>body</c> and <c>headers</c> (variables resolved), each for
/// <c>percentage</c> of requests (all when unset) and only when one of its <c>vars</c> expressions holds (always when
/// unset). A request may be delayed and then aborted, as APISIX.
/// </summary>
public sealed class FaultInjectionPlugin : ProxyPlugin
{
    private readonly Fault? _abort;
    private readonly Fault? _delay;
    private readonly int _status;
    private readonly VarTemplate? _body;
    private readonly (string Name, VarTemplate Value)[] _headers;
    private readonly TimeSpan _duration;
    private readonly TimeProvider _time;

    public FaultInjectionPlugin(JsonObject config, TimeProvider time) : base("fault-injection", 11000)
    {
        if (config["abort"] is JsonObject abort)
        {
            _abort = Fault.Of(abort);
            _status = abort["http_status"]!.GetValue<int>();
            _body = abort["body"] is JsonValue body ? VarTemplate.Parse(body.GetValue<string>()) : null;
            _headers = VarTemplate.Headers(abort["headers"] as JsonObject);
        }
        else
        {
            _headers = [];
        }
        if (config["delay"] is JsonObject delay)
        {
            _delay = Fault.Of(delay);
            _duration = TimeSpan.FromSeconds(delay["duration"]!.GetValue<double>());
        }
        _time = time;
    }

    public override async ValueTask<bool> OnRequestAsync(PluginContext context)
    {
        if (_delay is not null && _delay.Applies(context.Request) && _duration > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(_duration, _time, context.Http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
        if (_abort is null || !_abort.Applies(context.Request))
        {
            return true;
        }
        var response = context.Http.Response;
        response.StatusCode = _status;
        foreach (var (name, value) in _headers)
        {
            response.Headers[name] = value.Resolve(context).Text;
        }
        if (_body is not null)
        {
            await response.WriteAsync(_body.Resolve(context).Text);
        }
        return false;
    }

    /// <summary>When a fault applies: its share of requests and its expressions (any one holding).</summary>
    private sealed class Fault(int? percentage, VarsExpression[] vars)
    {
        public static Fault Of(JsonObject config) => new(
            config["percentage"]?.GetValue<int>(),
            (config["vars"] as JsonArray ?? []).Select(v => VarsExpression.Compile(v as JsonArray)).ToArray());

        public bool Applies(IRequestView request)
        {
            if (percentage is { } share && Random.Shared.Next(1, 101) > share)
            {
                return false;
            }
            if (vars.Length == 0)
            {
                return true;
            }
            foreach (var expression in vars)
            {
                if (expression.Matches(request))
                {
                    return true;
                }
            }
            return false;
        }
    }
}
