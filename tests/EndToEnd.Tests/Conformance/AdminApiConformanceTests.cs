using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using OrleansGateway.TestSupport;
using Xunit.Abstractions;

namespace OrleansGateway.EndToEnd.Tests.Conformance;

/// <summary>
/// Replays APISIX's own Admin API test cases (ported into <c>Cases/</c>, see README.md) against a real silo, writes the
/// figures per file to TestResults/admin-api-conformance.md, and fails when a file does worse than recorded in
/// <c>baseline.json</c> (raise the baseline when a change makes more cases behave as APISIX).
/// </summary>
public class AdminApiConformanceTests(ITestOutputHelper output)
{
    private const string Key = "conformance-admin-key-0123456789";

    [Fact]
    public async Task APISIX_admin_cases_behave_as_in_APISIX_no_worse_than_recorded()
    {
        var files = ConformanceFile.LoadAll();
        Assert.NotEmpty(files);
        var env = new Dictionary<string, string>
        {
            ["deployment__role"] = "control_plane",
            ["deployment__admin__admin_key__0__key"] = Key,
        };
        await using var silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-conformance"), extraEnv: env);
        using var admin = silo.AdminClient();
        var runner = new ConformanceRunner(admin);
        var outcomes = new List<FileOutcome>();
        foreach (var file in files)
        {
            outcomes.Add(await runner.RunAsync(file));
        }

        var report = Report(outcomes);
        Directory.CreateDirectory(Path.Combine(RepoPaths.Root, "TestResults"));
        await File.WriteAllTextAsync(Path.Combine(RepoPaths.Root, "TestResults", "admin-api-conformance.md"), report);
        output.WriteLine(report);

        var baseline = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(ConformanceFile.Folder, "..", "baseline.json")))!.AsObject();
        var worse = new List<string>();
        foreach (var outcome in outcomes)
        {
            var recorded = baseline[outcome.File.Name];
            if (recorded is null)
            {
                worse.Add($"{outcome.File.Name}: no baseline recorded (now exact {outcome.Exact}, same status {outcome.SameStatus})");
            }
            else if (outcome.Exact < recorded["exact"]!.GetValue<int>() || outcome.SameStatus < recorded["same_status"]!.GetValue<int>())
            {
                worse.Add($"{outcome.File.Name}: exact {outcome.Exact} (recorded {recorded["exact"]}), same status {outcome.SameStatus} (recorded {recorded["same_status"]})");
            }
        }
        Assert.True(worse.Count == 0, "Admin API conformance below the baseline:\n" + string.Join('\n', worse) + "\n\n" + report);
    }

    /// <summary>The figures per file, then every case that differs from APISIX with how.</summary>
    private static string Report(IReadOnlyList<FileOutcome> outcomes)
    {
        var text = new StringBuilder("# Admin API conformance with APISIX\n\n");
        text.AppendLine("| APISIX test file | applicable | exact | same status | skipped |");
        text.AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var o in outcomes)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {o.File.Source} | {o.Applicable} | {o.Exact} | {o.SameStatus} | {o.Skipped} |");
        }
        var (applicable, exact, same) = (outcomes.Sum(o => o.Applicable), outcomes.Sum(o => o.Exact), outcomes.Sum(o => o.SameStatus));
        text.AppendLine(CultureInfo.InvariantCulture, $"| **all** | {applicable} | {exact} ({Percent(exact, applicable)}) | {same} ({Percent(same, applicable)}) | {outcomes.Sum(o => o.Skipped)} |");
        text.AppendLine().AppendLine("## Skipped, by reason").AppendLine();
        foreach (var reason in outcomes.SelectMany(o => o.Cases).Where(c => c.Case.Skip is not null).GroupBy(c => c.Case.Skip).OrderByDescending(g => g.Count()))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {reason.Count()} × {reason.Key}");
        }
        text.AppendLine().AppendLine("## Differences").AppendLine();
        foreach (var o in outcomes)
        {
            foreach (var c in o.Cases.Where(c => c.Case.Skip is null && !c.Exact))
            {
                var body = c.Body.Length > 300 ? c.Body[..297] + "..." : c.Body;
                text.AppendLine(CultureInfo.InvariantCulture, $"- {o.File.Name} / {c.Case.Name} — `{c.Case.Method} {c.Case.Path}`: {c.Difference}; answered {c.Status} `{body.ReplaceLineEndings(" ")}`");
            }
        }
        return text.ToString();
    }

    private static string Percent(int part, int whole) =>
        whole == 0 ? "-" : (100.0 * part / whole).ToString("F1", CultureInfo.InvariantCulture) + "%";
}
