using Hyperagents.Archive;
using Hyperagents.Engine.Tests.Support;

namespace Hyperagents.Engine.Tests;

/// <summary>Honest scores: evaluation seeds belong to the evaluation (run seed, split, task, replicate), never to the
/// agent's code; a child becomes the best only when its paired gain beats noise; a child that answers as its parent is
/// flagged.</summary>
[Collection(RunsCollection.Name)]
public sealed class ScoreTests(NativeWorkers workers)
{
    [Fact]
    public async Task Variants_that_differ_only_in_code_SolveTask_never_reaches_score_identically_on_every_split()
    {
        // The seed's fill is drawn from the task seed; the Base meta agent only appends a comment: a new image, the
        // same behaviour.
        using var archive = TestRuns.NewArchive();
        var events = new List<RunEvent>();
        var settings = TestRuns.Settings(1) with { Replicates = 2, EvalTest = true, Seed = 5 };
        await TestRuns.Loop(archive, settings, workers.Runner, e => { lock (events) { events.Add(e); } }).RunAsync(TestRuns.Agent("Noisy"), CancellationToken.None);

        var seed = archive.ListVariants().Single(v => v.Parent is null);
        var child = archive.ListVariants().Single(v => v.Parent is not null);
        Assert.Equal(VariantState.Accepted, child.Status.State);
        Assert.NotEqual(archive.GetFiles(seed.Id)["task/Agent.cs"], archive.GetFiles(child.Id)["task/Agent.cs"]);
        Assert.Equal(["test", "train", "val"], child.Scores.Keys.Order(StringComparer.Ordinal));
        foreach (var split in new[] { "train", "val", "test" })
        {
            Assert.Equal(seed.Scores[split], child.Scores[split]);
        }

        // The agent is noisy (its draws differ), so equal scores are the draws', not a constant answer.
        var val = archive.GetEvaluations(seed.Id)[^1].Splits["val"];
        Assert.Equal(4, val.Tasks.Count);
        Assert.True(val.Tasks.Select(t => t.Score).Distinct().Count() > 2);
        Assert.NotNull(val.StdErr);

        var archived = Assert.Single(events.OfType<AttemptArchived>());
        Assert.True(archived.SameAnswersAsParent);
        Assert.False(archived.NewBest);
        Assert.Equal(seed.Id, archive.Best);
    }

    [Fact]
    public async Task Every_draw_records_a_seed_from_the_run_seed_split_task_and_replicate()
    {
        using var archive = TestRuns.NewArchive();
        var settings = TestRuns.Settings(0) with { Replicates = 2, EvalTest = true, Seed = 9 };
        await TestRuns.Loop(archive, settings, workers.Runner).RunAsync(TestRuns.Agent("Noisy"), CancellationToken.None);

        var evaluation = Assert.Single(archive.GetEvaluations(archive.ListVariants().Single().Id));
        Assert.Equal(2, evaluation.Replicates);
        var seen = new HashSet<long>();
        foreach (var (split, result) in evaluation.Splits)
        {
            foreach (var draw in result.Tasks)
            {
                Assert.Equal(unchecked((long)Seeds.Draw(9, split, draw.Task, draw.Replicate!.Value)), draw.Seed);
                Assert.True(seen.Add(draw.Seed!.Value), $"seed of {split}/{draw.Task}#{draw.Replicate} repeats");
                Assert.NotNull(draw.Answer);
            }
        }

        // Val and test seeds are disjoint from train's by construction (class bits), test's from its own key.
        for (var r = 0; r < 50; r++)
        {
            Assert.Equal(0UL, Seeds.Draw(9, "train", "n20", r) & 3);
            Assert.Equal(Seeds.Draw(9, "train", "n20", r), Seeds.Draw(9, "staged", "n20", r));
            Assert.Equal(1UL, Seeds.Draw(9, "val", "n20", r) & 3);
            Assert.Equal(2UL, Seeds.Draw(9, "test", "n20", r) & 3);
            Assert.Equal(0UL, Seeds.Try(unchecked((ulong)r * 7919), "n20") & 3);
        }
    }

    [Fact]
    public async Task A_child_that_only_drew_different_luck_does_not_replace_the_best()
    {
        // The child skips one more random draw: other answers, the same expectation. Its val mean is higher than the
        // seed's on these draws (the old rule, "higher mean wins", would crown it), but the paired gain is noise.
        using var archive = TestRuns.NewArchive();
        var events = new List<RunEvent>();
        var settings = TestRuns.Settings(1) with { Replicates = 2, Seed = LuckySeed };
        await TestRuns.Loop(archive, settings, workers.Runner, e => { lock (events) { events.Add(e); } }).RunAsync(TestRuns.Agent("Reseed"), CancellationToken.None);

        var seed = archive.ListVariants().Single(v => v.Parent is null);
        var child = archive.ListVariants().Single(v => v.Parent is not null);
        Assert.True(child.Scores["val"] > seed.Scores["val"], $"precondition: the child's val mean {child.Scores["val"]} is above the seed's {seed.Scores["val"]}");
        var comparison = ScoreStatistics.Compare(archive.GetEvaluations(child.Id)[^1].Splits["val"], archive.GetEvaluations(seed.Id)[^1].Splits["val"]);
        Assert.True(comparison.Paired);
        Assert.False(comparison.BeatsNoise, $"gain {comparison.Gain} ± {comparison.StdErr} ({comparison.DegreesOfFreedom} df) beat noise");
        Assert.Equal(seed.Id, archive.Best);
        var archived = Assert.Single(events.OfType<AttemptArchived>());
        Assert.False(archived.NewBest);
        Assert.False(archived.SameAnswersAsParent);
    }

    [Fact]
    public async Task A_child_whose_paired_gain_beats_noise_becomes_the_best()
    {
        using var archive = TestRuns.NewArchive();
        var events = new List<RunEvent>();
        await TestRuns.Loop(archive, TestRuns.Settings(1) with { Replicates = 2 }, workers.Runner, e => { lock (events) { events.Add(e); } })
            .RunAsync(TestRuns.Agent("Improve"), CancellationToken.None);

        var child = archive.ListVariants().Single(v => v.Parent is not null);
        Assert.Equal(child.Id, archive.Best);
        Assert.True(Assert.Single(events.OfType<AttemptArchived>()).NewBest);
    }

    [Fact]
    public async Task A_run_whose_notes_predate_replicates_resumes_and_compares_unpaired()
    {
        // A run archived before per-draw seeds: the seed's note has one draw per task, a "tasks" seed, no standard error.
        using var archive = TestRuns.NewArchive();
        var seedId = archive.AddVariant(new NewVariant { Files = TestRuns.Agent("Base"), Status = VariantStatus.Accepted, Seeds = new Dictionary<string, long> { ["attempt"] = 0 } });
        archive.AttachEvaluation(seedId, new Evaluation
        {
            EvaluatorHash = "old",
            Seeds = new Dictionary<string, long> { ["tasks"] = 42 },
            Splits = new Dictionary<string, SplitEvaluation>
            {
                ["train"] = new(0.5, [new TaskEvaluation("n20", 0.5, "completed"), new TaskEvaluation("n22", 0.5, "completed"), new TaskEvaluation("n24", 0.5, "completed")]),
                ["val"] = new(0.5, [new TaskEvaluation("n26", 0.49, "completed"), new TaskEvaluation("n28", 0.51, "completed")]),
            },
        });
        archive.SetBest(seedId, 0.5);

        var summary = await TestRuns.Loop(archive, TestRuns.Settings(1) with { Replicates = 2 }, workers.Runner).RunAsync(TestRuns.Agent("Base"), CancellationToken.None);

        Assert.True(summary.Complete);
        var child = archive.ListVariants().Single(v => v.Parent is not null);
        Assert.Equal(VariantState.Accepted, child.Status.State);
        Assert.Null(ScoreStatistics.SameAnswers(archive.GetEvaluations(child.Id)[^1], archive.GetEvaluations(seedId)));
        Assert.False(ScoreStatistics.Compare(archive.GetEvaluations(child.Id)[^1].Splits["val"], archive.GetEvaluations(seedId)[^1].Splits["val"]).Paired);
        // The grid packing scores far above 0.5 ± 0.01: the unpaired bound is beaten.
        Assert.Equal(child.Id, archive.Best);
        Assert.Empty(archive.Verify().Problems);
    }

    /// <summary>A run seed under which the Reseed child's val mean is above the seed's (the test's precondition checks it).</summary>
    private const ulong LuckySeed = 1;
}
