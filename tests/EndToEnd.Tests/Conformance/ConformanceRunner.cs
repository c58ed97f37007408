using System.Text;
using System.Text.Json.Nodes;

namespace OrleansGateway.EndToEnd.Tests.Conformance;

/// <summary>Replays a data file's cases in order against a silo's Admin API, in a gateway group of the file's own.</summary>
public sealed class ConformanceRunner(HttpClient admin)
{
    public async Task<FileOutcome> RunAsync(ConformanceFile file)
    {
        var group = "conformance-" + file.Name;
        using var created = await admin.PostAsync("/api/gateway_groups", new StringContent($$"""{"id":"{{group}}","name":"{{group}}"}""", Encoding.UTF8, "application/json"));
        created.EnsureSuccessStatusCode();
        var outcomes = new List<CaseOutcome>();
        foreach (var c in file.Cases)
        {
            outcomes.Add(c.Skip is null ? await RunAsync(c, group) : new CaseOutcome(c, null, "", false, false, null));
        }
        return new FileOutcome(file, outcomes);
    }

    private async Task<CaseOutcome> RunAsync(ConformanceCase c, string group)
    {
        var path = c.Path! + (c.Path!.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "gateway_group_id=" + group;
        using var request = new HttpRequestMessage(new HttpMethod(c.Method!), path);
        var body = c.RawBody ?? c.Body?.ToJsonString();
        if (body is not null)
        {
            // As APISIX's test helper sends it (and as curl -d does): the JSON with a form content type.
            request.Content = new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded");
        }
        foreach (var (name, value) in c.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content ??= new ByteArrayContent([]);
                request.Content.Headers.Remove(name);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }
        using var response = await admin.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        var sameStatus = status == c.Status;
        string? difference = sameStatus ? null : $"status: expected {c.Status}, got {status}";
        if (difference is null && (c.Match is not null || c.EqualsBody is not null))
        {
            JsonNode? actual = null;
            try
            {
                actual = text.Length == 0 ? null : JsonNode.Parse(text);
            }
            catch (System.Text.Json.JsonException)
            {
                difference = "the body is not JSON";
            }
            difference ??= c.Match is not null ? JsonComparison.Match(c.Match, actual) : JsonComparison.Equal(c.EqualsBody, actual);
        }
        else if (difference is null && c.Text is not null && text.TrimEnd('\n') != c.Text.TrimEnd('\n'))
        {
            difference = "the body differs";
        }
        return new CaseOutcome(c, status, text, sameStatus, difference is null, difference);
    }
}

/// <summary>What one case got: its status, body, and how it compares with APISIX.</summary>
public sealed record CaseOutcome(ConformanceCase Case, int? Status, string Body, bool SameStatus, bool Exact, string? Difference);

/// <summary>A data file's outcomes and its figures.</summary>
public sealed record FileOutcome(ConformanceFile File, IReadOnlyList<CaseOutcome> Cases)
{
    public int Applicable => Cases.Count(c => c.Case.Skip is null);

    public int Exact => Cases.Count(c => c.Exact);

    public int SameStatus => Cases.Count(c => c.SameStatus);

    public int Skipped => Cases.Count(c => c.Case.Skip is not null);
}
