using Hyperagents.Archive;
using Hyperagents.Cli;
using Spectre.Console.Testing;

namespace Hyperagents.Reporting.Tests;

/// <summary>Audit and report over a real run: one offline generation of circle packing in the Wasmtime sandbox.</summary>
public sealed class RealRunTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Audit_and_report_of_a_real_run()
    {
        var console = new TestConsole().Width(200);
        var exit = await CliApp.RunAsync(["run", "--domain", "circle-packing", "--generations", "1", "--archive", _temp.Path, "--name", "real", "--seed-agent", RepositoryRoot.Combine("seeds", "default")], console);
        Assert.True(exit == 0, console.Output);

        // The seed's line names the raw figure per val task; every attempt line and the summary give the pace.
        Assert.Matches(@"seed [0-9a-f]{12} evaluated: score 0\.\d{3,6}±0\.\d{3,6} \(Σr n26 2\.\d+, n28 2\.\d+\)", console.Output);
        Assert.Matches(@"gen 1/1 .* \| \d\d:\d\d:\d\d elapsed, \d+\.\d evaluations/min, \d+\.\d children/min, ETA 00:00:00 \|", console.Output);
        Assert.Contains("children/min, ETA 00:00:00 (this session)", console.Output, StringComparison.Ordinal);
        Assert.Matches(@"attempts +│ 1 of 1 ", console.Output);

        // resume --generations 2 makes 2 the run's target for every later command, and a plain resume keeps it.
        foreach (var resume in new[] { new[] { "resume", "real", "--generations", "2", "--replicates", "2" }, ["resume", "real"] })
        {
            var resumed = new TestConsole().Width(200);
            Assert.True(await CliApp.RunAsync([.. resume, "--archive", _temp.Path], resumed) == 0, resumed.Output);
            var status = new TestConsole().Width(200);
            Assert.Equal(0, await CliApp.RunAsync(["status", "real", "--archive", _temp.Path], status));
            Assert.Contains("2 of 2 (complete)", status.Output, StringComparison.Ordinal);
            Assert.Contains("2 generations, parallel 1, 2 replicates per task", status.Output, StringComparison.Ordinal);
            Assert.Matches(@"pace .* elapsed, .* evaluations/min, .* children/min, ETA 00:00:00 \(over [23] session\(s\)", status.Output);
        }

        using var run = ArchiveRun.Open(Path.Combine(_temp.Path, "real"));
        var audit = Auditor.Audit(run);

        Assert.True(audit.Integrity.Verified, string.Join("\n", audit.Integrity.Problems.Select(p => p.Message)));
        Assert.True(audit.Integrity.HashesConsistent);
        Assert.Single(audit.Integrity.GatePolicyHashes);
        Assert.Single(audit.Integrity.EvaluatorHashes);
        Assert.Equal(3, audit.Variants.Count);
        var seed = audit.Variants[0];
        Assert.Null(seed.Parent);
        Assert.NotEmpty(seed.Changes.Task);
        Assert.NotEmpty(seed.Changes.Meta);
        Assert.DoesNotContain(AuditFlags.MetaFilesChanged, seed.Flags);
        Assert.Contains(seed.Scores, s => s.Split == "train" && s.Delta is null);
        var child = audit.Variants[1];
        Assert.Equal(seed.Id, child.Parent);
        Assert.NotNull(child.Meta.Outcome);
        Assert.NotEmpty(child.Meta.Tools);
        Assert.Equal(0, child.Meta.InputTokens);
        if (child.Gate.Status == "accepted")
        {
            Assert.All(child.Scores, s => Assert.NotNull(s.Delta));
        }

        var html = HtmlReport.Render(run);
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Count(html, "<g class=\"node "));
        // No model, no tokens: the tokens plot is left out.
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Count(html, "<figure id=\"plot-"));
        Assert.DoesNotContain("plot-tokens", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script src", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<link", html, StringComparison.Ordinal);
    }
}
