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

        using var run = ArchiveRun.Open(Path.Combine(_temp.Path, "real"));
        var audit = Auditor.Audit(run);

        Assert.True(audit.Integrity.Verified, string.Join("\n", audit.Integrity.Problems.Select(p => p.Message)));
        Assert.True(audit.Integrity.HashesConsistent);
        Assert.Single(audit.Integrity.GatePolicyHashes);
        Assert.Single(audit.Integrity.EvaluatorHashes);
        Assert.Equal(2, audit.Variants.Count);
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
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(html, "<g class=\"node "));
        Assert.Equal(4, System.Text.RegularExpressions.Regex.Count(html, "<figure id=\"plot-"));
        Assert.DoesNotContain("<script src", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<link", html, StringComparison.Ordinal);
    }
}
