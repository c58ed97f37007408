using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using OrleansGateway.DataPlane.Routing;

namespace OrleansGateway.DataPlane.Plugins;

/// <summary>
/// <c>limit-count</c> (policy local): at most <c>count</c> requests per <c>time_window</c> seconds per key (a variable,
/// a combination such as <c>$remote_addr $http_x_user</c>, or a constant), fixed windows; over the limit answers
/// <c>rejected_code</c> (503). With <c>show_limit_quota_header</c> (default) the response carries X-RateLimit-Limit,
/// -Remaining and -Reset. Counters live outside the compiled configuration, so a configuration change does not reset them.
/// </summary>
public sealed class LimitCountPlugin : ProxyPlugin
{
    private static readonly ConcurrentDictionary<string, Window> Windows = new(StringComparer.Ordinal);
    private readonly int _count;
    private readonly TimeSpan _window;
    private readonly string _keyType;
    private readonly string _key;
    private readonly int _rejectedCode;
    private readonly string? _rejectedMessage;
    private readonly bool _showHeaders;
    private readonly string _scope;
    private readonly TimeProvider _time;

    public LimitCountPlugin(JsonObject config, string scope, TimeProvider time) : base("limit-count", 1002, PluginPhase.Access)
    {
        _count = config["count"]!.GetValue<int>();
        _window = TimeSpan.FromSeconds(config["time_window"]!.GetValue<int>());
        _keyType = Text(config, "key_type") ?? "var";
        _key = Text(config, "key") ?? "remote_addr";
        _rejectedCode = config["rejected_code"]?.GetValue<int>() ?? 503;
        _rejectedMessage = Text(config, "rejected_msg");
        _showHeaders = config["show_limit_quota_header"]?.GetValue<bool>() ?? true;
        // Counters are per route (or global rule) and per limit, as in APISIX; the group name keeps limits apart.
        _scope = $"{Text(config, "group") ?? scope}|{_count}|{_window.TotalSeconds}";
        _time = time;
    }

    public override ValueTask<bool> OnRequestAsync(PluginContext context)
    {
        var now = _time.GetUtcNow();
        var key = $"{_scope}|{KeyOf(context.Request)}";
        var window = Windows.AddOrUpdate(key,
            _ => new Window(now, 1),
            (_, w) => now - w.Start >= _window ? new Window(now, 1) : w with { Used = w.Used + 1 });
        var remaining = Math.Max(0, _count - window.Used);
        var reset = (int)Math.Ceiling((window.Start + _window - now).TotalSeconds);
        if (_showHeaders)
        {
            var headers = context.Http.Response.Headers;
            headers["X-RateLimit-Limit"] = _count.ToString(CultureInfo.InvariantCulture);
            headers["X-RateLimit-Remaining"] = remaining.ToString(CultureInfo.InvariantCulture);
            headers["X-RateLimit-Reset"] = reset.ToString(CultureInfo.InvariantCulture);
        }
        if (window.Used > _count)
        {
            return RespondAsync(context, _rejectedCode, _rejectedMessage is null ? null : new { error_msg = _rejectedMessage });
        }
        if (Windows.Count > 100_000)
        {
            Prune(now);
        }
        return ValueTask.FromResult(true);
    }

    private string KeyOf(IRequestView request) => _keyType switch
    {
        "constant" => _key,
        "var_combination" => string.Join(' ', _key.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.StartsWith('$') ? VarsExpression.Resolve(request, part[1..]) ?? "" : part)),
        _ => VarsExpression.Resolve(request, _key) ?? request.RemoteAddress?.ToString() ?? "",
    };

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, window) in Windows)
        {
            if (now - window.Start > _window + TimeSpan.FromMinutes(1))
            {
                Windows.TryRemove(key, out _);
            }
        }
    }

    private sealed record Window(DateTimeOffset Start, int Used);
}
