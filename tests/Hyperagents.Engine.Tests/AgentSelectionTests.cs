using System.Text.Json;
using Hyperagents.Archive;
using Hyperagents.Compiler;
using Hyperagents.Engine.Tests.Support;
using Hyperagents.Hosting;
using Hyperagents.Transport;

namespace Hyperagents.Engine.Tests;

/// <summary><c>--selection agent</c>: the best variant's own <c>SelectParent</c> chooses from train evidence only, in
/// the runner tier; every failure falls back to the default strategy with the reason recorded (docs/search.md).</summary>
[Collection(RunsCollection.Name)]
public sealed class AgentSelectionTests(NativeWorkers workers)
{
    private static SearchNode Node(string id, string? parent, int seq, double alpha, Dictionary<string, double> scores, VariantStatus? status = null) =>
        new(id, parent, seq, seq, status ?? VariantStatus.Accepted, alpha, (status ?? VariantStatus.Accepted).State == VariantState.Accepted) { TaskScores = scores };

    [Fact]
    public void The_selectors_view_holds_train_scores_only_never_a_validation_or_test_score_nor_alpha()
    {
        var archive = new SearchArchive(
        [
            Node("seed", null, 0, 0.7171717, new() { ["train/t1"] = 0.25, ["val/secret-task"] = 0.9191919, ["test/held-out"] = 0.8282828 }),
            Node("child", "seed", 1, 0.6161616, new() { ["train/t1"] = 0.5, ["val/secret-task"] = 0.5353535, ["test/held-out"] = 0.4242424 }),
        ]);
        var candidates = archive.Nodes.Select(n => new SelectionCandidate(n.Id, n.Alpha!.Value, archive.ChildrenOf(n.Id).Count, (int)n.Sequence)).ToList();

        var view = AgentStrategy.View(archive, candidates, 3, 42);
        var json = JsonSerializer.Serialize(new TaskInvocation(AgentStrategy.SelectionTask, view.Seed, view), SdkJson.Default.TaskInvocation);

        foreach (var leak in new[] { "val", "test/", "secret-task", "held-out", "0.9191919", "0.8282828", "0.5353535", "0.4242424", "0.7171717", "0.6161616" })
        {
            Assert.DoesNotContain(leak, json, StringComparison.Ordinal);
        }

        Assert.Equal([0.25, 0.5], view.Candidates.Select(c => c.TrainScore!.Value));
        Assert.Equal(0.5, view.Candidates[1].TaskScores["t1"]);
        Assert.Equal((1, 1, 0), (view.Candidates[0].Children, view.Candidates[0].ChildrenImproved, view.Candidates[0].ChildrenNotImproved));
        Assert.Equal((3, 42UL, 0), (view.Attempt, view.Seed, view.Omitted));
    }

    [Fact]
    public async Task The_selectors_choice_is_honoured_and_recorded_across_a_resume()
    {
        var settings = TestRuns.Settings(3) with { Selection = "agent", Seed = 9 };
        using var archive = TestRuns.NewArchive();
        await TestRuns.Loop(archive, settings with { Generations = 2 }, workers.Runner).RunAsync(TestRuns.Agent("SelectDeepest"), CancellationToken.None);
        await TestRuns.Loop(archive, settings, workers.Runner).RunAsync(TestRuns.Agent("SelectDeepest"), CancellationToken.None);

        // Deepest-first makes a chain: each attempt's parent is the previous attempt's child.
        var attempts = TestRuns.AttemptOf(archive);
        var seed = archive.ListVariants().Single(v => v.Parent is null).Id;
        var byAttempt = attempts.ToDictionary(a => a.Value, a => a.Key);
        Assert.Equal(seed, archive.GetVariant(byAttempt[1]).Parent);
        Assert.Equal(byAttempt[1], archive.GetVariant(byAttempt[2]).Parent);
        Assert.Equal(byAttempt[2], archive.GetVariant(byAttempt[3]).Parent);
        Assert.All(byAttempt.Values, id =>
        {
            var search = archive.ReadProvenance(id).Search!;
            Assert.Equal("agent", search.Strategy);
            Assert.StartsWith("chosen by SelectParent of ", search.Detail, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_seeded_selector_draws_the_same_parents_in_a_resumed_run_as_in_an_uninterrupted_one()
    {
        var settings = TestRuns.Settings(4) with { Selection = "agent", Seed = 11 };
        using var straight = TestRuns.NewArchive("straight");
        await TestRuns.Loop(straight, settings, workers.Runner).RunAsync(TestRuns.Agent("SelectSeeded"), CancellationToken.None);
        using var resumed = TestRuns.NewArchive("resumed");
        await TestRuns.Loop(resumed, settings with { Generations = 2 }, workers.Runner).RunAsync(TestRuns.Agent("SelectSeeded"), CancellationToken.None);
        await TestRuns.Loop(resumed, settings, workers.Runner).RunAsync(TestRuns.Agent("SelectSeeded"), CancellationToken.None);

        Assert.Equal(ParentAttempts(straight), ParentAttempts(resumed));
        Assert.All(resumed.ListVariants().Where(v => v.Parent is not null),
            v => Assert.StartsWith("chosen by SelectParent of ", resumed.ReadProvenance(v.Id).Search!.Detail, StringComparison.Ordinal));
    }

    /// <summary>For each attempt, the attempt that made its parent (0 for the seed).</summary>
    private static List<(int Attempt, int Parent)> ParentAttempts(ArchiveRun archive)
    {
        var attempts = archive.ListVariants().ToDictionary(v => v.Id, v => (int)(archive.ReadProvenance(v.Id).Seeds?.GetValueOrDefault("attempt") ?? 0));
        return archive.ListVariants().Where(v => v.Parent is not null).Select(v => (attempts[v.Id], attempts[v.Parent!])).Order().ToList();
    }

    [Theory]
    [InlineData("SelectThrows", "SelectParent ended guest-exception: System.InvalidOperationException the selector broke")]
    [InlineData("SelectInvalid", "SelectParent returned '0000000000000000000000000000000000000000', not a candidate id")]
    [InlineData("Base", "has no SelectParent entry point")]
    public async Task A_selector_that_fails_falls_back_to_the_default_strategy_with_the_reason_in_provenance_and_the_live_output(string agent, string reason)
    {
        var events = new List<RunEvent>();
        using var archive = TestRuns.NewArchive();
        var summary = await TestRuns.Loop(archive, TestRuns.Settings(1) with { Selection = "agent" }, workers.Runner, e => { lock (events) { events.Add(e); } })
            .RunAsync(TestRuns.Agent(agent), CancellationToken.None);

        Assert.True(summary.Complete);
        var child = archive.ListVariants().Single(v => v.Parent is not null);
        var search = archive.ReadProvenance(child.Id).Search!;
        Assert.Equal("agent", search.Strategy);
        Assert.StartsWith("score_child_prop (SelectParent fallback: ", search.Detail, StringComparison.Ordinal);
        Assert.Contains(reason, search.Detail, StringComparison.Ordinal);
        var notes = events.OfType<SelectionNote>().ToList();
        var note = Assert.Single(notes);
        Assert.Contains(reason, note.Message, StringComparison.Ordinal);
        // A variant without the entry point is said once, before the first attempt; a failing selector when it fails.
        Assert.Equal(agent == "Base" ? null : 1, note.Attempt);
        Assert.True(events.IndexOf(note) < events.FindIndex(e => e is ParentSelected));
    }

    [Fact]
    public async Task A_selector_that_loops_is_stopped_at_its_deadline_and_its_choice_is_a_failure()
    {
        var compiled = TestRuns.Compiler.Compile(AgentSource.FromFiles(TestRuns.Agent("SelectLoops")));
        var view = new ParentChoice(1, 7, [new ParentCandidate("a", null, 0, 0.5, new Dictionary<string, double>(), 0, 0, 0)], 0);

        var pick = await AgentPick.RunAsync(workers.Runner, compiled.Agent!, view, new RunLimits { WallClock = TimeSpan.FromSeconds(2) }, CancellationToken.None);

        Assert.Null(pick.Id);
        Assert.StartsWith("SelectParent ended deadline", pick.Failure, StringComparison.Ordinal);
    }
}
