using Hyperagents.Archive;
using Hyperagents.Domains;
using Hyperagents.Hosting.Sessions;

namespace Hyperagents.Engine;

/// <summary>Re-runs what the loop recorded of a variant, under the recorded seeds and limits: its evaluations (every draw
/// with its own seed) and the <c>ModifySelf</c> that produced it. <c>hyperagents replay</c> renders the results.</summary>
/// <remarks>Every built-in domain is deterministic (the sandbox counts fuel, not time, and the seed of every draw is
/// recorded), so a tolerance of 0 means an exact match of scores and answer hashes. Notes written before per-draw seeds
/// replay from their <c>tasks</c> seed.</remarks>
/// <param name="loop">The loop of the run (its archive, domain, runner, models and settings).</param>
public sealed class VariantReplay(DgmhLoop loop)
{
    private readonly RunServices _s = loop.Services;

    /// <summary>Re-runs every recorded evaluation of a variant and compares draw by draw, then each split's mean.</summary>
    /// <param name="variantId">The variant (full id).</param>
    /// <param name="tolerance">The largest score difference still a match; 0 also requires identical answer hashes.</param>
    /// <param name="cancellationToken">Stops the replay.</param>
    public async Task<EvaluationReplay> EvaluationsAsync(string variantId, double tolerance, CancellationToken cancellationToken)
    {
        var evaluations = _s.Archive.GetEvaluations(variantId);
        if (evaluations.Count == 0)
        {
            return new EvaluationReplay(variantId, ReplayState.NothingRecorded, null, []);
        }

        var compiled = loop.CompileVariant(variantId);
        if (compiled.Agent is null)
        {
            return new EvaluationReplay(variantId, ReplayState.NoLongerCompiles, compiled.Report.Diagnostics.FirstOrDefault()?.ToString(), []);
        }

        var rows = new List<ReplayedDraw>();
        var pool = _s.Settings.ShareBest ? SharedPool.Of(_s.Archive) : null;
        for (var i = 0; i < evaluations.Count; i++)
        {
            var e = evaluations[i];
            var conditions = EvaluationConditions.Of(e, _s.Settings.TaskLimits);
            if (conditions.LegacyTaskSeed is null && e.Splits.Values.Any(s => s.Tasks.Any(t => t.Seed is null)))
            {
                rows.Add(new ReplayedDraw(i + 1, string.Empty, null, null, null, null, ReplayVerdict.NoSeed));
                continue;
            }

            var evaluator = new TaskEvaluator(_s.Domain, _s.Runner, _s.Models, conditions.Limits, _s.Runner.Capacity);
            foreach (var (split, recorded) in e.Splits.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                // Each draw with its recorded seed (split, task and replicate are in it); older notes derive it.
                var draws = new List<TaskDraw>();
                foreach (var t in recorded.Tasks)
                {
                    if (_s.Domain.FindTask(t.Task) is { } found)
                    {
                        var seed = t.Seed is { } s ? unchecked((ulong)s) : Seeds.Mix(conditions.LegacyTaskSeed!.Value, t.Task);
                        // A shared answer is served again by the hash the draw recorded, never by the pool as it is now.
                        var share = pool is not null && SharedPool.IsTrain(split) ? new SharedBestGrant(t.SharedBest is { } h ? pool.FindByHash(h) : null) : null;
                        draws.Add(new TaskDraw(found.Task, t.Replicate ?? 0, seed, share));
                    }
                }

                var results = draws.Count == recorded.Tasks.Count
                    ? await evaluator.EvaluateDrawsAsync(compiled.Agent, draws, cancellationToken).ConfigureAwait(false)
                    : [];
                for (var k = 0; k < recorded.Tasks.Count; k++)
                {
                    var want = recorded.Tasks[k];
                    var got = k < results.Count ? results[k] : null;
                    var same = got is not null && got.Outcome == want.Outcome && Math.Abs(got.Score - want.Score) <= tolerance
                               && (want.Answer is null || tolerance > 0 || got.AnswerHash == want.Answer);
                    rows.Add(new ReplayedDraw(i + 1, split, want, got?.Outcome, got?.Score, null,
                        got is null ? ReplayVerdict.TaskNotFound : same ? ReplayVerdict.Match : ReplayVerdict.Mismatch));
                }

                var mean = results.Count == 0 ? double.NaN : results.Average(x => x.Score);
                var meanSame = Math.Abs(mean - recorded.Score) <= tolerance + 1e-12;
                rows.Add(new ReplayedDraw(i + 1, split, null, null, mean, recorded.Score, meanSame ? ReplayVerdict.Match : ReplayVerdict.Mismatch));
            }
        }

        return new EvaluationReplay(variantId, ReplayState.Replayed, null, rows);
    }

    /// <summary>What a variant recorded of the <c>ModifySelf</c> that produced it.</summary>
    /// <param name="variantId">The variant (full id).</param>
    /// <returns>The parent, attempt and meta seed, or <see langword="null"/> for the seed variant or a variant that
    /// records no meta seed (its parent did not compile, or an older run).</returns>
    public ModificationPlan? PlanModification(string variantId)
    {
        var p = _s.Archive.ReadProvenance(variantId);
        return p.Parent is { } parent && AttemptSeeds.From(p.Seeds) is { Attempt: > 0, Meta: { } meta } seeds
            ? new ModificationPlan(variantId, parent, seeds.Attempt, meta)
            : null;
    }

    /// <summary>Re-runs a recorded <c>ModifySelf</c> and compares the child tree with the archived one. Run it on a loop
    /// whose models serve the variant's recorded exchanges (or none, for the offline engine).</summary>
    /// <param name="plan">From <see cref="PlanModification"/>.</param>
    /// <param name="cancellationToken">Stops the replay.</param>
    public async Task<ModificationReplay> ModificationAsync(ModificationPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var metaAgent = _s.Settings.Baseline == Baseline.NoSelfImprove
            ? loop.CompileVariant(_s.Archive.Resolve("seed")).Agent
            : loop.CompileVariant(plan.ParentId).Agent;
        if (metaAgent is null)
        {
            return new ModificationReplay(false, null, []);
        }

        var modification = await loop.ModifyAsync(plan.ParentId, metaAgent, plan.MetaSeed, $"replay-{plan.Attempt}", cancellationToken).ConfigureAwait(false);
        var recorded = _s.Archive.GetFiles(plan.VariantId);
        var differences = recorded.Keys.Union(modification.Files.Keys).Order(StringComparer.Ordinal)
            .Where(path => !recorded.TryGetValue(path, out var a) || !modification.Files.TryGetValue(path, out var b) || a != b)
            .ToList();
        return new ModificationReplay(true, modification.Outcome, differences);
    }
}

/// <summary>Whether a variant's evaluations could be replayed.</summary>
public enum ReplayState
{
    /// <summary>Every recorded evaluation was re-run (see the draws).</summary>
    Replayed,
    /// <summary>The variant has no recorded evaluation.</summary>
    NothingRecorded,
    /// <summary>It has recorded evaluations but no longer compiles: a mismatch.</summary>
    NoLongerCompiles,
}

/// <summary>The verdict on one replayed draw or mean.</summary>
public enum ReplayVerdict
{
    /// <summary>Same outcome and score (and answer, at tolerance 0).</summary>
    Match,
    /// <summary>Something differs.</summary>
    Mismatch,
    /// <summary>The domain no longer has the task: a mismatch.</summary>
    TaskNotFound,
    /// <summary>The evaluation recorded no task seed (not replayable; not a mismatch).</summary>
    NoSeed,
}

/// <summary>One row of an evaluation replay: a draw (<paramref name="Recorded"/> set) or a split's mean.</summary>
/// <param name="Evaluation">Which recorded evaluation, from 1.</param>
/// <param name="Split">The split.</param>
/// <param name="Recorded">The recorded draw; <see langword="null"/> for the mean row.</param>
/// <param name="ReplayedOutcome">The replayed outcome of the draw.</param>
/// <param name="ReplayedScore">The replayed score (the mean, for the mean row; NaN when nothing ran).</param>
/// <param name="RecordedMean">The recorded mean, for the mean row.</param>
/// <param name="Verdict">Match or not.</param>
public sealed record ReplayedDraw(int Evaluation, string Split, TaskEvaluation? Recorded, string? ReplayedOutcome, double? ReplayedScore, double? RecordedMean, ReplayVerdict Verdict)
{
    /// <summary>Whether this row counts as a difference.</summary>
    public bool IsMismatch => Verdict is ReplayVerdict.Mismatch or ReplayVerdict.TaskNotFound;
}

/// <summary>The replay of a variant's evaluations.</summary>
/// <param name="VariantId">The variant.</param>
/// <param name="State">Whether it was replayed.</param>
/// <param name="Problem">Why not, for <see cref="ReplayState.NoLongerCompiles"/>.</param>
/// <param name="Draws">Every draw and mean, in order.</param>
public sealed record EvaluationReplay(string VariantId, ReplayState State, string? Problem, IReadOnlyList<ReplayedDraw> Draws)
{
    /// <summary>How many differences: the rows that mismatch, or 1 when the variant no longer compiles.</summary>
    public int Mismatches => State == ReplayState.NoLongerCompiles ? 1 : Draws.Count(d => d.IsMismatch);
}

/// <summary>What a <c>ModifySelf</c> replay needs.</summary>
/// <param name="VariantId">The child.</param>
/// <param name="ParentId">Its parent.</param>
/// <param name="Attempt">The attempt that made it.</param>
/// <param name="MetaSeed">The meta agent's seed.</param>
public sealed record ModificationPlan(string VariantId, string ParentId, int Attempt, ulong MetaSeed);

/// <summary>The replay of a <c>ModifySelf</c>.</summary>
/// <param name="MetaAgentCompiles">Whether the meta agent still compiles (when not, nothing ran: a mismatch).</param>
/// <param name="Outcome">How the replayed call ended.</param>
/// <param name="Differences">The paths whose content differs from the archived child; empty for an identical tree.</param>
public sealed record ModificationReplay(bool MetaAgentCompiles, Hyperagents.Hosting.AgentOutcome? Outcome, IReadOnlyList<string> Differences)
{
    /// <summary>Whether the replayed child tree is identical to the archived one.</summary>
    public bool Identical => MetaAgentCompiles && Differences.Count == 0;
}
