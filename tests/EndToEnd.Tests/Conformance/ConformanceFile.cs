using System.Text.Json.Nodes;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.Conformance;

/// <summary>One data file of <c>Cases/</c>: the Admin API cases ported from one APISIX test file (see README.md).</summary>
public sealed record ConformanceFile(string Name, string Source, IReadOnlyList<ConformanceCase> Cases)
{
    private static readonly HashSet<string> CaseFields =
        ["name", "method", "path", "body", "raw_body", "headers", "status", "match", "equals", "text", "skip"];

    public static string Folder { get; } = Path.Combine(RepoPaths.Root, "tests", "EndToEnd.Tests", "Conformance", "Cases");

    /// <summary>Every data file, by name.</summary>
    public static IReadOnlyList<ConformanceFile> LoadAll() =>
        [.. Directory.GetFiles(Folder, "*.json").Order(StringComparer.Ordinal).Select(Load)];

    /// <summary>Reads a data file; a malformed one throws naming the file, the case and the field.</summary>
    public static ConformanceFile Load(string path)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        var root = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw Bad(name, "the file is not a JSON object");
        var source = root["source"]?.GetValue<string>() ?? throw Bad(name, "\"source\" is missing");
        var cases = (root["cases"] as JsonArray ?? throw Bad(name, "\"cases\" is not an array"))
            .Select((node, i) => ReadCase(name, i, node as JsonObject ?? throw Bad(name, $"case {i + 1} is not an object")))
            .ToList();
        return new ConformanceFile(name, source, cases);
    }

    private static ConformanceCase ReadCase(string file, int index, JsonObject c)
    {
        var name = c["name"]?.GetValue<string>() ?? throw Bad(file, $"case {index + 1} has no name");
        if (c.Select(p => p.Key).FirstOrDefault(k => !CaseFields.Contains(k)) is { } unknown)
        {
            throw Bad(file, $"{name}: unknown field \"{unknown}\"");
        }
        var skip = c["skip"]?.GetValue<string>();
        var method = c["method"]?.GetValue<string>();
        var requestPath = c["path"]?.GetValue<string>();
        var status = c["status"]?.GetValue<int>();
        if (skip is null && (method is null || requestPath is null || status is null))
        {
            throw Bad(file, $"{name}: a case that runs needs method, path and status");
        }
        if (new[] { "match", "equals", "text" }.Count(c.ContainsKey) > 1)
        {
            throw Bad(file, $"{name}: at most one of match, equals and text");
        }
        if (c.ContainsKey("body") && c.ContainsKey("raw_body"))
        {
            throw Bad(file, $"{name}: body or raw_body, not both");
        }
        var headers = (c["headers"] as JsonObject)?.ToDictionary(p => p.Key, p => p.Value!.GetValue<string>()) ?? [];
        return new ConformanceCase(name, method, requestPath, c["body"]?.DeepClone(), c["raw_body"]?.GetValue<string>(), headers, status,
            c["match"]?.DeepClone(), c["equals"]?.DeepClone(), c["text"]?.GetValue<string>(), skip);
    }

    private static InvalidDataException Bad(string file, string what) => new($"Conformance/Cases/{file}.json: {what}");
}

/// <summary>One request and what APISIX answers to it.</summary>
public sealed record ConformanceCase(
    string Name,
    string? Method,
    string? Path,
    JsonNode? Body,
    string? RawBody,
    IReadOnlyDictionary<string, string> Headers,
    int? Status,
    JsonNode? Match,
    JsonNode? EqualsBody,
    string? Text,
    string? Skip);
