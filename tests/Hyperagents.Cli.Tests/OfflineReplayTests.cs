using System.Text.Json.Nodes;
using Hyperagents.Archive;

namespace Hyperagents.Cli.Tests;

/// <summary><c>hyperagents replay</c> over a real offline run.</summary>
public sealed class OfflineReplayTests : IDisposable
{
    private readonly CliProcess _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void Replay_matches_every_variant_of_an_offline_run_and_reports_a_score_altered_through_git_notes()
    {
        var (exit, output) = _cli.Run("run", "--domain", "circle-packing", "--generations", "3", "--isolation", "native", "--tasks", "1", "--replicates", "1", "--name", "o", "--seed-agent", CliProcess.SeedAgent);
        Assert.True(exit == 0, output);
        var folder = Path.Combine(_cli.Archive, "o");

        var (replayExit, replay) = _cli.Run("replay", "o", "all", "--modification");
        Assert.True(replayExit == 0, replay);
        Assert.Contains("replay matches on 4 variants", replay);
        Assert.Contains("ran in the native runner", replay); // not registered deterministic: a stated tolerance
        Assert.Equal(3, replay.Split("identical child tree").Length - 1);
        Assert.DoesNotContain("mismatch", replay);

        string victim;
        using (var run = ArchiveRun.Open(folder))
        {
            victim = run.ListVariants().First(v => v.Parent is not null && v.Status.State == VariantState.Accepted).Id;
        }

        // Alter one task's recorded score with plain git, as someone editing the notes by hand would.
        var note = JsonNode.Parse(_cli.Git(folder, string.Empty, "notes", "--ref", "hyperagents/evals", "show", victim))!;
        var task = note["evaluations"]![0]!["splits"]!["train"]!["tasks"]![0]!;
        task["score"] = task["score"]!.GetValue<double>() + 0.001;
        _cli.Git(folder, note.ToJsonString(), "notes", "--ref", "hyperagents/evals", "add", "-f", "-F", "-", victim);

        var (tamperedExit, tampered) = _cli.Run("replay", "o", victim);
        Assert.Equal(1, tamperedExit);
        Assert.Contains("mismatch", tampered);
        Assert.Contains("replay mismatch", tampered);

        var (seedExit, seed) = _cli.Run("replay", "o", "seed");
        Assert.True(seedExit == 0, seed);
    }
}
