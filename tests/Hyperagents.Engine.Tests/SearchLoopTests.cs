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

    [Fact]
    public async Task The_model_bandit_opens_each_attempts_meta_session_on_its_chosen_model_and_records_it()
    {
        using var archive = TestRuns.NewArchive();
        var models = new ArmRecorder(["openai:a", "openai:b"]);
        var loop = TestRuns.Loop(archive, TestRuns.Settings(2) with { ModelBandit = true, Selection = "latest" }, workers.Runner, models: models);
        await loop.RunAsync(TestRuns.Agent("Base"), CancellationToken.None);

        // Neither model was tried before: UCB1 takes them in ensemble order.
        Assert.Equal([("attempt-1/meta", 0), ("attempt-2/meta", 1)], models.Opened.Order());
        var arms = archive.ListVariants().Where(v => v.Parent is not null)
            .Select(v => archive.ReadProvenance(v.Id)).OrderBy(p => p.Sequence).Select(p => p.Search?.Arm).ToList();
        Assert.Equal(["openai:a", "openai:b"], arms);
    }

    /// <summary>Model access with two meta models and no chat: records which member each meta session was opened on.</summary>
    private sealed class ArmRecorder(IReadOnlyList<string> arms) : IModelAccess
    {
        public List<(string Session, int Arm)> Opened { get; } = [];

        public IReadOnlyList<string> MetaModels => arms;

        public string? ExhaustedReason => null;

        public Hyperagents.Hosting.Sessions.IChatService? OpenMeta(string session) => null;

        public Hyperagents.Hosting.Sessions.IChatService? OpenMeta(string session, int? arm)
        {
            lock (Opened)
            {
                Opened.Add((session, arm ?? -1));
            }

            return null;
        }

        public Hyperagents.Hosting.Sessions.IChatService? OpenTask(string session) => null;

        public ModelRecord Close(string session) => ModelRecord.Empty;

        public void Charge(string session, Hyperagents.Archive.ModelUsage usage)
        {
        }
    }
}
