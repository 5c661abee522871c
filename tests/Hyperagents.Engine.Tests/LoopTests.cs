using Hyperagents.Archive;
using Hyperagents.Domains;
using Hyperagents.Engine.Tests.Support;

namespace Hyperagents.Engine.Tests;

/// <summary>The loop over purpose-built test hyperagents, in native worker processes: the staged gate, statuses,
/// invalid parents, ablations, protected paths, what meta agents see, parallel attempts, budgets and resume.</summary>
[Collection(RunsCollection.Name)]
public sealed class LoopTests(NativeWorkers workers)
{
    private static readonly string[] TrainTasks = ["n20", "n22", "n24"];
    private static readonly string[] HiddenTasks = ["n26", "n28", "n30", "n32"];

    [Fact]
    public async Task A_child_that_scores_zero_on_the_staged_task_is_not_fully_evaluated()
    {
        using var archive = TestRuns.NewArchive();
        var summary = await TestRuns.Loop(archive, TestRuns.Settings(1), workers.Runner).RunAsync(TestRuns.Agent("ZeroScore"), CancellationToken.None);

        var child = Assert.Single(archive.ListVariants(), v => v.Parent is not null);
        Assert.Equal(VariantState.Accepted, child.Status.State);
        Assert.Equal([SplitNames.Staged], child.Scores.Keys);
        Assert.Equal(0, child.Scores[SplitNames.Staged]);
        var staged = Assert.Single(archive.GetEvaluations(child.Id)).Splits[SplitNames.Staged];
        Assert.Equal("n20", Assert.Single(staged.Tasks).Task);
        var seed = archive.ListVariants().Single(v => v.Parent is null);
        Assert.Contains(SplitNames.Train, seed.Scores.Keys);
        Assert.Contains(SplitNames.Val, seed.Scores.Keys);
        Assert.True(summary.Complete);
    }

    [Theory]
    [InlineData(0.0, true)]
    [InlineData(0.99, false)]
    public async Task The_staged_gate_decides_whether_a_child_reaches_the_full_visible_splits(double gate, bool full)
    {
        using var archive = TestRuns.NewArchive();
        await TestRuns.Loop(archive, TestRuns.Settings(1) with { StagedGate = gate }, workers.Runner).RunAsync(TestRuns.Agent("Base"), CancellationToken.None);

        var child = Assert.Single(archive.ListVariants(), v => v.Parent is not null);
        Assert.Equal(VariantState.Accepted, child.Status.State);
        var evaluation = Assert.Single(archive.GetEvaluations(child.Id));
        if (full)
        {
            Assert.Equal(["train", "val"], evaluation.Splits.Keys.Order());
            Assert.Equal(3, evaluation.Splits["train"].Tasks.Count);
            Assert.Equal(2, evaluation.Splits["val"].Tasks.Count);
            Assert.InRange(evaluation.Splits["val"].Score, 0.5, 0.99);
        }
        else
        {
            Assert.Equal([SplitNames.Staged], evaluation.Splits.Keys);
            Assert.InRange(evaluation.Splits[SplitNames.Staged].Score, 0.01, 0.99);
        }
    }

    [Fact]
    public async Task A_domain_without_train_tasks_evaluates_each_child_on_val_with_no_staged_check()
    {
        using var archive = TestRuns.NewArchive();
        await TestRuns.Loop(archive, TestRuns.Settings(1), workers.Runner, view: inner => new WithoutTrain(inner)).RunAsync(TestRuns.Agent("Base"), CancellationToken.None);

        var child = Assert.Single(archive.ListVariants(), v => v.Parent is not null);
        Assert.Equal(VariantState.Accepted, child.Status.State);
        var evaluation = Assert.Single(archive.GetEvaluations(child.Id));
        Assert.Equal([SplitNames.Val], evaluation.Splits.Keys);
        Assert.Equal(2, evaluation.Splits[SplitNames.Val].Tasks.Count);
        Assert.InRange(evaluation.Splits[SplitNames.Val].Score, 0.5, 0.99);
    }

    [Fact]
    public async Task A_parent_whose_ModifySelf_fails_gets_a_failed_child_and_becomes_an_invalid_parent()
    {
        using var archive = TestRuns.NewArchive();
        var loop = TestRuns.Loop(archive, TestRuns.Settings(2), workers.Runner);
        await loop.RunAsync(TestRuns.Agent("Throws"), CancellationToken.None);

        var seed = archive.ListVariants().Single(v => v.Parent is null);
        Assert.True(seed.InvalidParent);
        var children = archive.ListVariants().Where(v => v.Parent is not null).ToList();
        Assert.Equal(2, children.Count);
        Assert.All(children, c =>
        {
            Assert.Equal(VariantState.Failed, c.Status.State);
            Assert.Contains("meta agent broke", c.Status.Reason);
            Assert.Equal(0, c.Evaluations);
        });
    }

    [Fact]
    public async Task An_invalid_parent_is_never_selected_again()
    {
        using var archive = TestRuns.NewArchive();
        var loop = TestRuns.Loop(archive, TestRuns.Settings(6) with { Seed = 3 }, workers.Runner);
        await loop.RunAsync(TestRuns.Agent("Saboteur"), CancellationToken.None);

        var children = archive.ListVariants().Where(v => v.Parent is not null).OrderBy(v => v.Sequence).ToList();
        var failed = children.Where(c => c.Status.State == VariantState.Failed).ToList();
        Assert.NotEmpty(failed);
        foreach (var f in failed)
        {
            Assert.True(archive.GetVariant(f.Parent!).InvalidParent);
            Assert.DoesNotContain(children, later => later.Sequence > f.Sequence && later.Parent == f.Parent);
        }

        var invalid = archive.ListVariants().Where(v => v.InvalidParent).Select(v => v.Id).ToHashSet();
        Assert.DoesNotContain(loop.Candidates(), c => invalid.Contains(c.Id));
    }

    [Fact]
    public async Task No_selfimprove_runs_the_seeds_meta_agent_even_when_the_parents_meta_agent_is_broken()
    {
        using var archive = TestRuns.NewArchive();
        var settings = TestRuns.Settings(3) with { Baseline = Baseline.NoSelfImprove, Selection = "latest" };
        await TestRuns.Loop(archive, settings, workers.Runner).RunAsync(TestRuns.Agent("Saboteur"), CancellationToken.None);

        var children = archive.ListVariants().Where(v => v.Parent is not null).OrderBy(v => v.Sequence).ToList();
        Assert.Equal(3, children.Count);
        Assert.All(children, c => Assert.Equal(VariantState.Accepted, c.Status.State));
        // Children 2 and 3 come from parents whose own meta agent throws ("sabotaged"): the frozen seed meta agent ran.
        Assert.Contains("sabotaged", archive.GetFiles(children[0].Id)["meta/Meta.cs"]);
        Assert.Equal(children[0].Id, children[1].Parent);
        Assert.Equal(children[1].Id, children[2].Parent);
        Assert.DoesNotContain(archive.ListVariants(), v => v.InvalidParent);
    }

    [Fact]
    public async Task Without_the_ablation_the_same_broken_meta_agent_fails()
    {
        using var archive = TestRuns.NewArchive();
        var settings = TestRuns.Settings(2) with { Selection = "latest" };
        await TestRuns.Loop(archive, settings, workers.Runner).RunAsync(TestRuns.Agent("Saboteur"), CancellationToken.None);

        var children = archive.ListVariants().Where(v => v.Parent is not null).OrderBy(v => v.Sequence).ToList();
        Assert.Equal(VariantState.Accepted, children[0].Status.State);
        Assert.Equal(VariantState.Failed, children[1].Status.State);
        Assert.Contains("sabotaged", children[1].Status.Reason);
        Assert.True(archive.GetVariant(children[0].Id).InvalidParent);
    }

    [Fact]
    public async Task No_archive_always_takes_the_latest_variant()
    {
        using var archive = TestRuns.NewArchive();
        var settings = TestRuns.Settings(4) with { Baseline = Baseline.NoArchive, Seed = 11 };
        await TestRuns.Loop(archive, settings, workers.Runner).RunAsync(TestRuns.Agent("Base"), CancellationToken.None);

        var ordered = archive.ListVariants().OrderBy(v => v.Sequence).ToList();
        Assert.Equal(5, ordered.Count);
        for (var i = 1; i < ordered.Count; i++)
        {
            Assert.Equal(ordered[i - 1].Id, ordered[i].Parent);
            Assert.Equal(i, ordered[i].Generation);
        }
    }

    [Fact]
    public async Task A_child_that_touches_protected_paths_is_rejected_before_compile_and_recorded()
    {
        using var archive = TestRuns.NewArchive();
        await TestRuns.Loop(archive, TestRuns.Settings(1), workers.Runner).RunAsync(TestRuns.Agent("Protected"), CancellationToken.None);

        var child = Assert.Single(archive.ListVariants(), v => v.Parent is not null);
        Assert.Equal(VariantState.Rejected, child.Status.State);
        Assert.StartsWith("protected-path attempt", child.Status.Reason);
        Assert.Contains("eval/score.txt", child.Status.Reason);
        Assert.Contains(".hyperagent/x", child.Status.Reason);
        // Names git refuses (which used to kill the run when archived) and look-alikes of protected names are
        // attempts too, shown escaped.
        foreach (var attempt in new[] { "GIT~1/config", ".git\\u200C/config", "task/Directory.Build.props", "task/\\uFF45\\uFF56\\uFF41\\uFF4C/x.cs" })
        {
            Assert.Contains(attempt, child.Status.Reason);
        }

        Assert.Equal(0, child.Evaluations);
        Assert.DoesNotContain(archive.GetFiles(child.Id).Keys, p => p.StartsWith("eval/", StringComparison.Ordinal) || p == ".hyperagent/x");
        Assert.Contains("// sneaky", archive.GetFiles(child.Id)["task/Agent.cs"]);
        Assert.False(archive.ListVariants().Single(v => v.Parent is null).InvalidParent);
    }

    [Fact]
    public async Task An_attempt_whose_archiving_throws_every_time_is_recorded_once_as_rejected_and_the_run_and_a_resume_finish()
    {
        // The archive fails writing attempt 1's child every time that attempt runs (the fault fires on the first
        // commit after its parent is chosen), as a child whose files git refuses used to.
        var clock = new FailingClock();
        void Listener(RunEvent e)
        {
            if (e is ParentSelected { Attempt: 1 })
            {
                clock.FailNext = true;
            }
        }

        using var archive = ArchiveRun.Create(Path.Combine(TestRuns.TempFolder("refused"), "run"), new RunManifest("test", "circle-packing", "test"), new ArchiveOptions { Clock = clock });
        var settings = TestRuns.Settings(2) with { Selection = "latest" };
        var first = await TestRuns.Loop(archive, settings, workers.Runner, Listener).RunAsync(TestRuns.Agent("Base"), CancellationToken.None);
        var resumed = await TestRuns.Loop(archive, settings, workers.Runner, Listener).RunAsync(TestRuns.Agent("Base"), CancellationToken.None);

        Assert.True(first.Complete);
        Assert.True(resumed.Complete);
        Assert.Equal(2, resumed.Attempts);
        var attempts = TestRuns.AttemptOf(archive);
        var refused = archive.GetVariant(Assert.Single(attempts, a => a.Value == 1).Key);
        Assert.Equal(VariantState.Rejected, refused.Status.State);
        Assert.StartsWith("archive refused the child: ", refused.Status.Reason);
        Assert.Contains(FailingClock.Message, refused.Status.Reason);
        Assert.Equal(0, refused.Evaluations);
        var seed = archive.ListVariants().Single(v => v.Parent is null);
        Assert.Equal(archive.GetFiles(seed.Id), archive.GetFiles(refused.Id));
        Assert.False(seed.InvalidParent);
        Assert.Equal(VariantState.Accepted, archive.GetVariant(Assert.Single(attempts, a => a.Value == 2).Key).Status.State);
        Assert.True(archive.Verify().Ok);
    }

    private sealed class FailingClock : TimeProvider
    {
        public const string Message = "the disk refused this child";

        public volatile bool FailNext;

        public override DateTimeOffset GetUtcNow()
        {
            if (FailNext)
            {
                FailNext = false;
                throw new IOException(Message);
            }

            return base.GetUtcNow();
        }
    }

    [Fact]
    public async Task A_protected_path_attempt_is_a_rejection_even_when_the_agent_crashes_on_the_refusal()
    {
        using var archive = TestRuns.NewArchive();
        await TestRuns.Loop(archive, TestRuns.Settings(1), workers.Runner).RunAsync(TestRuns.Agent("ProtectedCrash"), CancellationToken.None);

        var child = Assert.Single(archive.ListVariants(), v => v.Parent is not null);
        Assert.Equal(VariantStatus.Rejected("protected-path attempt: evaluator/score.txt"), child.Status);
        Assert.DoesNotContain("evaluator/score.txt", archive.GetFiles(child.Id).Keys);
    }

    [Fact]
    public async Task A_child_that_does_not_compile_is_rejected_with_the_diagnostic()
    {
        using var archive = TestRuns.NewArchive();
        await TestRuns.Loop(archive, TestRuns.Settings(1), workers.Runner).RunAsync(TestRuns.Agent("NoCompile"), CancellationToken.None);

        var child = Assert.Single(archive.ListVariants(), v => v.Parent is not null);
        Assert.Equal(VariantState.Rejected, child.Status.State);
        Assert.StartsWith("compile:", child.Status.Reason);
        Assert.Contains("undefinedName", child.Status.Reason);
        Assert.Contains("task/Broken.cs", archive.GetFiles(child.Id).Keys);
        Assert.Equal(0, child.Evaluations);
    }

    [Fact]
    public async Task A_child_that_exhausts_the_compilers_memory_is_rejected_and_the_run_goes_on()
    {
        using var archive = TestRuns.NewArchive();
        using var compiler = TestRuns.WorkerCompiler();
        await TestRuns.Loop(archive, TestRuns.Settings(2), workers.Runner, compiler: compiler).RunAsync(TestRuns.Agent("CompileBomb"), CancellationToken.None);

        var children = archive.ListVariants().Where(v => v.Parent is not null).ToList();
        Assert.Equal(2, children.Count);
        Assert.All(children, child =>
        {
            Assert.Equal(VariantState.Rejected, child.Status.State);
            Assert.StartsWith("compile: (0,0): HA0103: Compiling needed more than the compiler's memory limit", child.Status.Reason, StringComparison.Ordinal);
            Assert.Equal(0, child.Evaluations);
        });
    }

    [Fact]
    public async Task A_child_identical_to_its_parent_is_rejected_as_no_change()
    {
        using var archive = TestRuns.NewArchive();
        await TestRuns.Loop(archive, TestRuns.Settings(1), workers.Runner).RunAsync(TestRuns.Agent("NoChange"), CancellationToken.None);

        var child = Assert.Single(archive.ListVariants(), v => v.Parent is not null);
        Assert.Equal(VariantStatus.Rejected("no change"), child.Status);
    }

    [Fact]
    public async Task Scores_come_only_from_the_host_evaluator_never_from_the_agents_claim()
    {
        using var archive = TestRuns.NewArchive();
        await TestRuns.Loop(archive, TestRuns.Settings(1), workers.Runner).RunAsync(TestRuns.Agent("ClaimsScore"), CancellationToken.None);

        var child = Assert.Single(archive.ListVariants(), v => v.Parent is not null);
        Assert.Equal(VariantState.Accepted, child.Status.State);
        Assert.NotEmpty(child.Scores);
        Assert.All(child.Scores.Values, s => Assert.InRange(s, 0, 0.05));
        var seed = archive.ListVariants().Single(v => v.Parent is null);
        Assert.NotEqual(child.Id, archive.Best);
        Assert.Equal(seed.Id, archive.Best);
    }

    [Fact]
    public async Task Meta_agents_see_train_feedback_only()
    {
        using var archive = TestRuns.NewArchive();
        var settings = TestRuns.Settings(2) with { Selection = "latest" };
        await TestRuns.Loop(archive, settings, workers.Runner).RunAsync(TestRuns.Agent("LineageDump"), CancellationToken.None);

        var last = archive.ListVariants().OrderBy(v => v.Sequence).Last();
        Assert.Equal(VariantState.Accepted, last.Status.State);
        var seen = archive.GetFiles(last.Id)["notes/lineage.txt"];
        // The parent (attempt 1, fully evaluated on train and val) and the seed are both in the lineage.
        Assert.Equal(2, seen.Split('\n').Count(l => l.StartsWith("variant ", StringComparison.Ordinal)));
        Assert.All(TrainTasks, t => Assert.Contains("task " + t + " ", seen));
        Assert.All(TrainTasks, t => Assert.Contains("try " + t + " ", seen));
        Assert.All(HiddenTasks, t => Assert.DoesNotContain(t, seen));
        var val = archive.GetVariant(last.Parent!).Scores[SplitNames.Val];
        Assert.DoesNotContain(val.ToString(System.Globalization.CultureInfo.InvariantCulture), seen);
    }

    [Fact]
    public async Task Parallel_two_makes_two_attempts_at_once_and_archives_each_once()
    {
        using var archive = TestRuns.NewArchive();
        var events = new List<RunEvent>();
        var settings = TestRuns.Settings(4) with { Parallel = 2 };
        await TestRuns.Loop(archive, settings, workers.Runner, e => { lock (events) { events.Add(e); } }).RunAsync(TestRuns.Agent("Base"), CancellationToken.None);

        var firstArchived = events.FindIndex(e => e is AttemptArchived);
        var secondSelected = events.FindIndex(e => e is ParentSelected { Attempt: 2 });
        Assert.InRange(secondSelected, 0, firstArchived);
        Assert.Equal([1, 2, 3, 4], TestRuns.AttemptOf(archive).Values.Order());
        Assert.All(archive.ListVariants(), v => Assert.True(v.Evaluations == 1, $"{v.ShortId} has {v.Evaluations} evaluations"));
    }

    [Fact]
    public async Task A_wall_clock_budget_stops_the_run_and_resume_continues_it()
    {
        var folder = Path.Combine(TestRuns.TempFolder("budget"), "run");
        using (var archive = ArchiveRun.Create(folder, new RunManifest("test", "circle-packing", "test")))
        {
            var settings = TestRuns.Settings(2) with { WallClockBudget = TimeSpan.FromMilliseconds(1) };
            var summary = await TestRuns.Loop(archive, settings, workers.Runner).RunAsync(TestRuns.Agent("Base"), CancellationToken.None);
            Assert.False(summary.Complete);
            Assert.StartsWith("wall-clock budget", summary.Reason);
            Assert.Single(archive.ListVariants());
        }

        using (var archive = ArchiveRun.Open(folder))
        {
            var summary = await TestRuns.Loop(archive, TestRuns.Settings(2), workers.Runner).RunAsync(TestRuns.Agent("Base"), CancellationToken.None);
            Assert.True(summary.Complete);
            Assert.Equal([1, 2], TestRuns.AttemptOf(archive).Values.Order());
        }
    }

    [Fact]
    public async Task Resume_with_more_generations_makes_only_the_missing_attempts()
    {
        using var archive = TestRuns.NewArchive();
        await TestRuns.Loop(archive, TestRuns.Settings(2), workers.Runner).RunAsync(TestRuns.Agent("Base"), CancellationToken.None);
        var before = archive.ListVariants().Select(v => v.Id).ToList();

        var summary = await TestRuns.Loop(archive, TestRuns.Settings(4), workers.Runner).RunAsync(TestRuns.Agent("Base"), CancellationToken.None);

        Assert.True(summary.Complete);
        Assert.Equal(4, summary.Attempts);
        Assert.Equal([1, 2, 3, 4], TestRuns.AttemptOf(archive).Values.Order());
        Assert.Subset(archive.ListVariants().Select(v => v.Id).ToHashSet(), before.ToHashSet());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Cancelling_mid_run_stops_cleanly_and_resume_completes_without_duplicates(int parallel)
    {
        using var archive = TestRuns.NewArchive();
        using var cts = new CancellationTokenSource();
        var loop = TestRuns.Loop(archive, TestRuns.Settings(3) with { Parallel = parallel }, workers.Runner, e =>
        {
            // The first attempt to end cancels: no further attempt can have started, so the run cannot be complete.
            if (e is AttemptArchived)
            {
                cts.Cancel();
            }
        });
        try
        {
            var stopped = await loop.RunAsync(TestRuns.Agent("Base"), cts.Token);
            Assert.False(stopped.Complete);
        }
        catch (OperationCanceledException)
        {
            // Cancellation may also surface from an evaluation in flight; either way the archive must stay whole.
        }

        Assert.True(archive.Verify().Problems.Count == 0, string.Join("; ", archive.Verify().Problems));
        var resumed = await TestRuns.Loop(archive, TestRuns.Settings(3) with { Parallel = parallel }, workers.Runner).RunAsync(TestRuns.Agent("Base"), CancellationToken.None);
        Assert.True(resumed.Complete);
        Assert.Equal([1, 2, 3], TestRuns.AttemptOf(archive).Values.Order());
        Assert.All(archive.ListVariants().Where(v => v.Status.State == VariantState.Accepted), v => Assert.True(v.Evaluations >= 1));
    }
}

/// <summary>A domain seen without its train split: what a package with only val and test tasks gives the loop.</summary>
internal sealed class WithoutTrain(IDomain inner) : IDomain
{
    public string Name => inner.Name;

    public string Description => inner.Description;

    public bool Deterministic => inner.Deterministic;

    public bool HigherIsBetter => inner.HigherIsBetter;

    public string? DefaultTaskId => inner.DefaultTaskId;

    public IReadOnlyList<TaskSpec> GetTasks(Split split) => split == Split.Train ? [] : inner.GetTasks(split);

    public double? GetReference(TaskSpec task) => inner.GetReference(task);

    public TaskScore Evaluate(TaskSpec task, string answer) => inner.Evaluate(task, answer);
}
