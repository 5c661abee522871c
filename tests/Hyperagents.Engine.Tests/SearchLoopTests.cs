using Hyperagents.Archive;
using Hyperagents.Engine.Tests.Support;

namespace Hyperagents.Engine.Tests;

/// <summary>The search strategies and the novelty filter inside the loop: recorded in provenance, replayed on resume.</summary>
[Collection(RunsCollection.Name)]
public sealed class SearchLoopTests(NativeWorkers workers)
{
    [Fact]
    public async Task A_resumed_run_draws_the_same_parents_as_an_uninterrupted_one_and_records_the_strategy()
    {
        var settings = TestRuns.Settings(4) with { Selection = "cmp", Seed = 5 };
        using var straight = TestRuns.NewArchive("straight");
        await TestRuns.Loop(straight, settings, workers.Runner).RunAsync(TestRuns.Agent("Base"), CancellationToken.None);
        using var resumed = TestRuns.NewArchive("resumed");
        await TestRuns.Loop(resumed, settings with { Generations = 2 }, workers.Runner).RunAsync(TestRuns.Agent("Base"), CancellationToken.None);
        await TestRuns.Loop(resumed, settings, workers.Runner).RunAsync(TestRuns.Agent("Base"), CancellationToken.None);

        Assert.Equal(ParentAttempts(straight), ParentAttempts(resumed));
        Assert.All(resumed.ListVariants().Where(v => v.Parent is not null), v =>
        {
            var search = resumed.ReadProvenance(v.Id).Search;
            Assert.NotNull(search);
            Assert.Equal("cmp", search.Strategy);
            Assert.StartsWith("clade ", search.Detail, StringComparison.Ordinal);
            Assert.Null(search.Arm);
        });
    }

    /// <summary>For each attempt, the attempt that made its parent (0 for the seed).</summary>
    private static List<(int Attempt, int Parent)> ParentAttempts(ArchiveRun archive)
    {
        var attempts = archive.ListVariants().ToDictionary(v => v.Id, v => (int)(archive.ReadProvenance(v.Id).Seeds?.GetValueOrDefault("attempt") ?? 0));
        return archive.ListVariants().Where(v => v.Parent is not null).Select(v => (attempts[v.Id], attempts[v.Parent!])).Order().ToList();
    }

    [Fact]
    public async Task The_novelty_filter_refuses_a_child_whose_change_is_only_a_comment_and_the_parent_stays_valid()
    {
        using var archive = TestRuns.NewArchive();
        var summary = await TestRuns.Loop(archive, TestRuns.Settings(2) with { Novelty = 1.0 }, workers.Runner).RunAsync(TestRuns.Agent("Base"), CancellationToken.None);

        Assert.True(summary.Complete);
        var seed = archive.ListVariants().Single(v => v.Parent is null);
        var children = archive.ListVariants().Where(v => v.Parent is not null).ToList();
        Assert.Equal(2, children.Count);
        Assert.All(children, c =>
        {
            Assert.Equal(VariantState.Rejected, c.Status.State);
            Assert.StartsWith($"novelty: too close to {seed.ShortId} (token similarity 1 >= 1", c.Status.Reason, StringComparison.Ordinal);
            Assert.Equal(0, c.Evaluations);
        });
        Assert.False(archive.GetVariant(seed.Id).InvalidParent);
    }
}
