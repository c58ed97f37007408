using OpenTelemetry.Trace;

namespace OrleansGateway.Configuration;

/// <summary>
/// Decides which operations may start a trace: an incoming HTTP request (the Admin API) or one of our own spans
/// (<c>og.*</c>: snapshot runs, data-plane applies). Orleans' own calls never start one — every grain interface of this
/// project lives in an <c>Orleans…</c> namespace, so Orleans reports its calls under its runtime source, together
/// with the stream pulling agents (one call per queue every 10 ms), membership and heartbeats; those would flood the
/// collector with one-span traces. Spans with a parent follow the parent's decision (<see cref="ParentBasedSampler"/>).
/// </summary>
public sealed class TraceRootSampler : Sampler
{
    public const string AspNetCoreRequest = "Microsoft.AspNetCore.Hosting.HttpRequestIn";

    /// <summary>The sampler to install: parent-based, with this one for roots.</summary>
    public static Sampler Create() => new ParentBasedSampler(new TraceRootSampler());

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        samplingParameters.Name == AspNetCoreRequest || samplingParameters.Name.StartsWith("og.", StringComparison.Ordinal)
            ? new SamplingResult(SamplingDecision.RecordAndSample)
            : new SamplingResult(SamplingDecision.Drop);
}
