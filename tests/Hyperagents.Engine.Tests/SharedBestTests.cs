using Hyperagents.Archive;
using Hyperagents.Engine.Tests.Support;
using Hyperagents.Reporting;

namespace Hyperagents.Engine.Tests;

/// <summary><c>--share-best</c>: a task agent reads the best archived answer of a train task, never of a val or test
/// task; each draw records what it was served, replay serves it again and audit flags the variant.</summary>
/// <remarks>The <c>Sharer</c> agent answers with the shared answer when served one; its meta agent makes the child's own
/// answers worse (fill 0.9 → 0.8), so a served answer shows as the parent's answer hash in the child's draws.</remarks>
[Collection(RunsCollection.Name)]
public sealed class SharedBestTests(NativeWorkers workers)
{
    private static RunSettings Settings(bool share) => TestRuns.Settings(1) with { ShareBest = share, EvalTest = true };

    [Fact]
    public async Task Without_share_best_a_task_agent_is_served_nothing_and_no_answer_text_is_archived()
    {
        using var archive = TestRuns.NewArchive();
        await TestRuns.Loop(archive, Settings(share: false), workers.Runner).RunAsync(TestRuns.Agent("Sharer"), CancellationToken.None);

        var (seed, child) = SeedAndChild(archive);
        Assert.All(Draws(archive, seed).Concat(Draws(archive, child)), d => Assert.Null(d.Draw.SharedBest));
        Assert.All(Draws(archive, seed).Concat(Draws(archive, child)), d => Assert.Null(d.Draw.Text));
        var seedAnswers = Answers(archive, seed);
        Assert.All(Draws(archive, child).Where(d => d.Split == "train"), d => Assert.NotEqual(seedAnswers[d.Draw.Task], d.Draw.Answer));
    }

    [Fact]
    public async Task With_share_best_a_train_task_gets_the_best_archived_answer_and_val_and_test_tasks_never_do()
    {
        using var archive = TestRuns.NewArchive();
        await TestRuns.Loop(archive, Settings(share: true), workers.Runner).RunAsync(TestRuns.Agent("Sharer"), CancellationToken.None);

        var (seed, child) = SeedAndChild(archive);
        var seedAnswers = Answers(archive, seed);

        // The seed ran with an empty pool; its train answers (only those) are the pool.
        Assert.All(Draws(archive, seed), d => Assert.Null(d.Draw.SharedBest));
        Assert.All(Draws(archive, seed), d => Assert.Equal(SharedPool.IsTrain(d.Split), d.Draw.Text is not null));

        var childDraws = Draws(archive, child);
        Assert.Contains(childDraws, d => d.Split == "val");
        Assert.Contains(childDraws, d => d.Split == "test");
        foreach (var (split, draw) in childDraws)
        {
            if (SharedPool.IsTrain(split))
            {
                Assert.Equal(seedAnswers[draw.Task], draw.SharedBest);
                Assert.Equal(seedAnswers[draw.Task], draw.Answer);
            }
            else
            {
                Assert.Null(draw.SharedBest);
                Assert.Null(draw.Text);
                Assert.NotEqual(Answers(archive, seed, split)[draw.Task], draw.Answer);
            }
        }
    }

    [Fact]
    public async Task Replay_serves_a_draw_its_recorded_shared_answer_again_and_audit_flags_the_variant_that_used_it()
    {
        using var archive = TestRuns.NewArchive();
        var loop = TestRuns.Loop(archive, Settings(share: true), workers.Runner);
        await loop.RunAsync(TestRuns.Agent("Sharer"), CancellationToken.None);
        var (seed, child) = SeedAndChild(archive);

        var replay = await new VariantReplay(loop).EvaluationsAsync(child, 0, CancellationToken.None);
        Assert.Equal(ReplayState.Replayed, replay.State);
        Assert.NotEmpty(replay.Draws);
        Assert.Equal(0, replay.Mismatches);

        var audit = Auditor.Audit(archive);
        Assert.Contains(AuditFlags.SharedBest, audit.Variants.Single(v => v.Id == child).Flags);
        Assert.DoesNotContain(AuditFlags.SharedBest, audit.Variants.Single(v => v.Id == seed).Flags);
        Assert.Contains("\"shared-best\"", AuditJson.Serialize(audit), StringComparison.Ordinal);
    }

    private static (string Seed, string Child) SeedAndChild(ArchiveRun archive)
    {
        var variants = archive.ListVariants();
        var child = variants.Single(v => v.Parent is not null);
        Assert.Equal(VariantState.Accepted, child.Status.State);
        return (variants.Single(v => v.Parent is null).Id, child.Id);
    }

    private static List<(string Split, TaskEvaluation Draw)> Draws(ArchiveRun archive, string variant) =>
        archive.GetEvaluations(variant).SelectMany(e => e.Splits.SelectMany(s => s.Value.Tasks.Select(t => (s.Key, t)))).ToList();

    /// <summary>The variant's answer hash per task of a split (train by default).</summary>
    private static Dictionary<string, string?> Answers(ArchiveRun archive, string variant, string split = "train") =>
        Draws(archive, variant).Where(d => d.Split == split).ToDictionary(d => d.Draw.Task, d => d.Draw.Answer);
}
