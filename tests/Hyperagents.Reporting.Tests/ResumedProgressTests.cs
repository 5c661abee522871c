using Hyperagents.Cli.Runs;
using Hyperagents.Engine;
using Spectre.Console.Testing;
using Xunit;

namespace Hyperagents.Reporting.Tests;

/// <summary>A resumed run's progress continues the run's figures (best, mean, accepted) instead of starting from none.</summary>
public sealed class ResumedProgressTests
{
    [Fact]
    public void A_resumed_runs_progress_line_shows_the_runs_best_mean_and_acceptance_before_any_new_best()
    {
        var console = new TestConsole().Width(400);
        // Three attempts archived before: two accepted; the seed scored 0.5, the children 0.75 and 0.25; the best is 0.75.
        var progress = new RunProgress(console, planned: 6, alreadyDone: 3, budget: () => "no budget", clock: () => TimeSpan.FromMinutes(1),
            soFar: new RunSoFar(Accepted: 2, Scores: [0.5, 0.75, 0.25], Best: 0.75));

        progress.OnEvent(new AttemptArchived(4, new string('a', 40), new string('b', 40), "rejected: no change", null, false));

        var line = console.Output;
        Assert.Contains("best 0.75", line, StringComparison.Ordinal);
        Assert.Contains("mean 0.5", line, StringComparison.Ordinal);
        Assert.Contains("accepted 2/4", line, StringComparison.Ordinal);
        Assert.DoesNotContain("best -", line, StringComparison.Ordinal);
    }
}

/// <summary><c>status</c> names settings the way the CLI takes them, so a printed value can be passed back.</summary>
public sealed class StatusNameTests
{
    [Theory]
    [InlineData(SelectionMethod.ScoreChildProp, "score_child_prop")]
    [InlineData(SelectionMethod.ScoreProp, "score_prop")]
    [InlineData(SelectionMethod.Best, "best")]
    [InlineData(SelectionMethod.Latest, "latest")]
    public void A_selection_prints_as_the_name_selection_accepts(SelectionMethod method, string name)
    {
        Assert.Equal(name, Hyperagents.Cli.Commands.StatusCommand.CliName(method));
        Assert.Contains(name, new RunOptions().Selection.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Baseline.None, "none")]
    [InlineData(Baseline.NoSelfImprove, "no-selfimprove")]
    [InlineData(Baseline.NoArchive, "no-archive")]
    public void A_baseline_prints_as_the_name_baseline_accepts(Baseline baseline, string name) =>
        Assert.Equal(name, Hyperagents.Cli.Commands.StatusCommand.CliName(baseline));
}
