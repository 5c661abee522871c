using Hyperagents.Archive;
using Hyperagents.Engine.Tests.Support;

namespace Hyperagents.Engine.Tests;

/// <summary>Verifier lessons: a child becomes the best only when its advantage survives re-scoring its answers with no
/// tolerance, and only when it clears <see cref="RunSettings.MinImprovement"/>.</summary>
[Collection(RunsCollection.Name)]
public sealed class ExactRecheckTests(NativeWorkers workers)
{
    [Fact]
    public async Task A_child_that_wins_only_inside_the_evaluators_tolerance_does_not_become_the_best()
    {
        // The seed answers 0.1 % off (wrong); the child answers 1e-10 relative off: right within the dataset's numeric
        // tolerance of 1e-9, wrong when checked exactly.
        var (archive, events) = await RunDatasetAsync("1e-10");
        using (archive)
        {
            var seed = archive.ListVariants().Single(v => v.Parent is null);
            var child = archive.ListVariants().Single(v => v.Parent is not null);
            Assert.Equal(1.0, child.Scores["val"]);
            Assert.Equal(0.0, seed.Scores["val"]);
            Assert.Equal(seed.Id, archive.Best);

            var archived = Assert.Single(events.OfType<AttemptArchived>());
            Assert.False(archived.NewBest);
            var exact = Assert.IsType<ExactRecheck>(archived.ExactCheck);
            Assert.Equal("vanished", exact.Result);
            Assert.Equal(0.0, exact.Score);
            Assert.Equal(exact.Draws, exact.Changed);

            // The note records the re-check, with the split as the exact check scored it.
            var note = archive.GetEvaluations(child.Id)[^1].ExactCheck;
            Assert.NotNull(note);
            Assert.Equal("vanished", note.Result);
            Assert.All(note.Exact!.Tasks, t => Assert.Equal(0.0, t.Score));
            Assert.All(note.Exact.Tasks, t => Assert.StartsWith("incorrect", t.Feedback, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_child_whose_answers_are_exactly_right_still_becomes_the_best()
    {
        var (archive, events) = await RunDatasetAsync("0.0");
        using (archive)
        {
            var child = archive.ListVariants().Single(v => v.Parent is not null);
            Assert.Equal(child.Id, archive.Best);
            var archived = Assert.Single(events.OfType<AttemptArchived>());
            Assert.True(archived.NewBest);
            Assert.Equal("held", archived.ExactCheck!.Result);
            Assert.Equal(0, archived.ExactCheck.Changed);
            Assert.Equal("held", archive.GetEvaluations(child.Id)[^1].ExactCheck!.Result);
        }
    }

    [Fact]
    public async Task A_child_below_the_minimum_improvement_does_not_become_the_best()
    {
        // Improve fills the grid's cells more on every draw: a real gain beyond noise, but far below 0.5.
        using var archive = TestRuns.NewArchive();
        var events = new List<RunEvent>();
        await TestRuns.Loop(archive, TestRuns.Settings(1) with { Replicates = 2, MinImprovement = 0.5 }, workers.Runner, e => { lock (events) { events.Add(e); } })
            .RunAsync(TestRuns.Agent("Improve"), CancellationToken.None);

        var seed = archive.ListVariants().Single(v => v.Parent is null);
        var child = archive.ListVariants().Single(v => v.Parent is not null);
        var comparison = ScoreStatistics.Compare(archive.GetEvaluations(child.Id)[^1].Splits["val"], archive.GetEvaluations(seed.Id)[^1].Splits["val"]);
        Assert.True(comparison.BeatsNoise, "precondition: the gain beats noise");
        Assert.InRange(comparison.Gain, 1e-6, 0.5);
        Assert.Equal(seed.Id, archive.Best);
        Assert.False(Assert.Single(events.OfType<AttemptArchived>()).NewBest);
    }

    [Fact]
    public void A_negative_or_non_finite_minimum_improvement_is_refused_with_its_fix()
    {
        foreach (var bad in new[] { -0.1, double.NaN, double.PositiveInfinity })
        {
            var error = Assert.Single((TestRuns.Settings() with { MinImprovement = bad }).GetErrors());
            Assert.Contains("--min-improvement", error, StringComparison.Ordinal);
        }

        Assert.Empty((TestRuns.Settings() with { MinImprovement = 0.01 }).GetErrors());
    }

    private async Task<(ArchiveRun Archive, List<RunEvent> Events)> RunDatasetAsync(string childOffset)
    {
        var folder = TestRuns.TempFolder("exact-dataset");
        var dataset = Path.Combine(folder, "numbers.jsonl");
        await File.WriteAllLinesAsync(dataset,
        [
            """{"input": "2.5", "expected": "2.5", "split": "train", "match": "numeric"}""",
            """{"input": "7.25", "expected": "7.25", "split": "val", "match": "numeric"}""",
            """{"input": "1000.125", "expected": "1000.125", "split": "val", "match": "numeric"}""",
            """{"input": "3", "expected": "3", "split": "val", "match": "numeric"}""",
        ]);
        var agent = TestRuns.Agent("Tolerance");
        agent["meta/Meta.cs"] = agent["meta/Meta.cs"].Replace("NEW_OFFSET", childOffset, StringComparison.Ordinal);
        var archive = TestRuns.NewArchive();
        var events = new List<RunEvent>();
        var settings = TestRuns.Settings(1) with { Domain = "dataset", DatasetPath = dataset, Replicates = 1 };
        await TestRuns.Loop(archive, settings, workers.Runner, e => { lock (events) { events.Add(e); } }).RunAsync(agent, CancellationToken.None);
        return (archive, events);
    }
}
