using System.Diagnostics;

namespace OrleansGateway.Contracts.Feed;

/// <summary>W3C trace context (<c>traceparent</c>, <c>tracestate</c>) as carried in <see cref="GroupChanged"/>.</summary>
public static class TraceContext
{
    /// <summary>The <c>traceparent</c> of <paramref name="context"/>, or null when there is none.</summary>
    public static string? FormatTraceParent(ActivityContext context) =>
        context == default
            ? null
            : $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{((context.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00")}";

    /// <summary>The context a <c>traceparent</c> (and <c>tracestate</c>) describe; false when absent or malformed.</summary>
    public static bool TryParse(string? traceParent, string? traceState, out ActivityContext context)
    {
        context = default;
        return !string.IsNullOrEmpty(traceParent) && ActivityContext.TryParse(traceParent, traceState, isRemote: true, out context);
    }
}
