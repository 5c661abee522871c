using System.Security.Cryptography;
using System.Text;

namespace Hyperagents.Archive;

/// <summary>A challenger's score against an incumbent's on one split.</summary>
/// <param name="Gain">Challenger minus incumbent: the mean of the per-draw differences when paired, else the
/// difference of the means.</param>
/// <param name="StdErr">The standard error of <paramref name="Gain"/>; <see langword="null"/> when it cannot be estimated
/// (fewer than two paired draws, or an unpaired side without one).</param>
/// <param name="Paired">Whether every draw of the challenger was matched with the incumbent's draw of the same task and
/// seed (the same evaluation seeds, so the difference is the code's, not the draws').</param>
/// <param name="Draws">How many draws the comparison is over (the challenger's).</param>
/// <param name="DegreesOfFreedom">The degrees of freedom of <paramref name="StdErr"/>.</param>
public sealed record ScoreComparison(double Gain, double? StdErr, bool Paired, int Draws, int DegreesOfFreedom)
{
    /// <summary>The multiplier of <see cref="StdErr"/> in the noise bound: the one-sided 95 % quantile of Student's t
    /// with <see cref="DegreesOfFreedom"/> (6.31 at 1, 2.92 at 2, 2.13 at 4, 1.86 at 8, → 1.645).</summary>
    public double Quantile => ScoreStatistics.TQuantile95(DegreesOfFreedom);

    /// <summary>The gain beats noise: its one-sided 95 % lower bound <c>Gain − t·StdErr</c> is above zero; without a
    /// noise estimate, any positive gain.</summary>
    public bool BeatsNoise => StdErr is { } se ? Gain - Quantile * se > 0 : Gain > 0;

    /// <summary>The difference is within noise either way: neither <see cref="BeatsNoise"/> nor a loss beyond noise
    /// (<c>Gain + t·StdErr &lt; 0</c>). Identical answers on every draw are within noise.</summary>
    public bool WithinNoise => StdErr is { } se ? Math.Abs(Gain) <= Quantile * se : Gain == 0;
}

/// <summary>Means, standard errors and paired comparisons of evaluations: the one rule behind "a new best must beat
/// noise" (a one-sided 95 % bound on the paired gain above zero), the audit's within-noise counts and the benchmark's
/// figures.</summary>
/// <remarks>
/// The tasks of a split are fixed; what is random is the seed of each draw (a task run once with one seed). So the
/// standard error of a split's mean is stratified by task: with n_t draws of task t out of N, variance
/// Σ_t (n_t/N)²·s_t²/n_t, s_t² the sample variance of task t's draws (its replicates). The same formula over the per-draw
/// differences gives the standard error of a paired gain. With one replicate there is no within-task variance; the
/// figure then falls back to the plain standard error over all draws (sample standard deviation over √N), which also
/// counts the spread between tasks: larger, so it errs on the side of calling a gain noise.
/// </remarks>
public static class ScoreStatistics
{
    private static readonly double[] T95 =
    [
        6.314, 2.920, 2.353, 2.132, 2.015, 1.943, 1.895, 1.860, 1.833, 1.812, 1.796, 1.782, 1.771, 1.761, 1.753,
        1.746, 1.740, 1.734, 1.729, 1.725, 1.721, 1.717, 1.714, 1.711, 1.708, 1.706, 1.703, 1.701, 1.699, 1.697,
    ];

    /// <summary>The one-sided 95 % quantile of Student's t with <paramref name="degreesOfFreedom"/> (conservative
    /// steps past 30, the normal 1.645 past 120).</summary>
    /// <param name="degreesOfFreedom">At least 1.</param>
    public static double TQuantile95(int degreesOfFreedom) => degreesOfFreedom switch
    {
        < 1 => double.PositiveInfinity,
        <= 30 => T95[degreesOfFreedom - 1],
        <= 40 => 1.697,
        <= 60 => 1.684,
        <= 120 => 1.671,
        _ => 1.658,
    };

    /// <summary>The standard error of the mean of a split's draws, stratified by task when every task has two draws or
    /// more, over all draws otherwise (see the remarks); <see langword="null"/> for fewer than two draws.</summary>
    /// <param name="draws">Each draw's task id and value.</param>
    public static double? StdErr(IReadOnlyCollection<(string Task, double Value)> draws) => Estimate(draws).StdErr;

    /// <summary>The standard error and its degrees of freedom: N − (number of tasks) stratified, N − 1 over all draws.</summary>
    private static (double? StdErr, int DegreesOfFreedom) Estimate(IReadOnlyCollection<(string Task, double Value)> draws)
    {
        ArgumentNullException.ThrowIfNull(draws);
        if (draws.Count < 2)
        {
            return (null, 0);
        }

        var groups = draws.GroupBy(d => d.Task, StringComparer.Ordinal).Select(g => g.Select(d => d.Value).ToList()).ToList();
        if (groups.All(g => g.Count >= 2))
        {
            double n = draws.Count;
            return (Math.Sqrt(groups.Sum(g => g.Count / n * (g.Count / n) * SampleVariance(g) / g.Count)), draws.Count - groups.Count);
        }

        return (Math.Sqrt(SampleVariance(draws.Select(d => d.Value).ToList()) / draws.Count), draws.Count - 1);
    }

    /// <summary>A split's standard error: the recorded one, else computed from its draws (older notes).</summary>
    /// <param name="split">The split's evaluation.</param>
    public static double? StdErrOf(SplitEvaluation split) =>
        split.StdErr ?? StdErr(split.Tasks.Select(t => (t.Task, t.Score)).ToList());

    /// <summary>Compares a challenger's split evaluation with an incumbent's: paired on identical draws when every
    /// challenger draw has a recorded seed the incumbent also ran the same task on, unpaired (difference of means,
    /// standard errors combined) otherwise.</summary>
    /// <param name="challenger">The challenger's split.</param>
    /// <param name="incumbent">The incumbent's split.</param>
    public static ScoreComparison Compare(SplitEvaluation challenger, SplitEvaluation incumbent)
    {
        ArgumentNullException.ThrowIfNull(challenger);
        ArgumentNullException.ThrowIfNull(incumbent);
        var byDraw = new Dictionary<(string, long), double>();
        foreach (var t in incumbent.Tasks)
        {
            if (t.Seed is { } seed)
            {
                byDraw.TryAdd((t.Task, seed), t.Score);
            }
        }

        var differences = new List<(string Task, double Value)>(challenger.Tasks.Count);
        foreach (var t in challenger.Tasks)
        {
            if (t.Seed is not { } seed || !byDraw.TryGetValue((t.Task, seed), out var other))
            {
                differences = null;
                break;
            }

            differences.Add((t.Task, t.Score - other));
        }

        if (differences is { Count: > 0 })
        {
            var (se, df) = Estimate(differences);
            return new ScoreComparison(differences.Average(d => d.Value), se, true, differences.Count, df);
        }

        // Unpaired: standard errors combined, the smaller of the two degrees of freedom (conservative).
        var (a, dfa) = Estimate(challenger.Tasks.Select(t => (t.Task, t.Score)).ToList());
        var (b, dfb) = Estimate(incumbent.Tasks.Select(t => (t.Task, t.Score)).ToList());
        (a, b) = (challenger.StdErr ?? a, incumbent.StdErr ?? b);
        return new ScoreComparison(challenger.Score - incumbent.Score, a is { } x && b is { } y ? Math.Sqrt(x * x + y * y) : null, false,
            challenger.Tasks.Count, Math.Min(dfa, dfb));
    }

    /// <summary>Whether a child answered exactly as its parent on every draw it ran: same outcome and same answer hash
    /// for the same task and seed. <see langword="null"/> when that cannot be told (a draw without a seed or an answer
    /// hash, as in older notes, or one the parent never ran).</summary>
    /// <param name="child">The child's evaluation.</param>
    /// <param name="parent">Every evaluation of the parent.</param>
    public static bool? SameAnswers(Evaluation child, IEnumerable<Evaluation> parent)
    {
        ArgumentNullException.ThrowIfNull(child);
        ArgumentNullException.ThrowIfNull(parent);
        var known = new Dictionary<(string, long), (string Outcome, string? Answer)>();
        foreach (var t in parent.SelectMany(e => e.Splits.Values).SelectMany(s => s.Tasks))
        {
            if (t.Seed is { } seed)
            {
                known.TryAdd((t.Task, seed), (t.Outcome, t.Answer));
            }
        }

        var draws = child.Splits.Values.SelectMany(s => s.Tasks).ToList();
        if (draws.Count == 0)
        {
            return null;
        }

        foreach (var t in draws)
        {
            if (t.Seed is not { } seed || !known.TryGetValue((t.Task, seed), out var theirs) || (t.Answer is null && t.Outcome is "completed" or "invalid-answer"))
            {
                return null;
            }

            if (theirs.Outcome != t.Outcome || theirs.Answer != t.Answer)
            {
                return false;
            }
        }

        return true;
    }

    private static double SampleVariance(List<double> values)
    {
        var mean = values.Average();
        return values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
    }

    /// <summary>Each split's result from the latest evaluation that holds it, with that evaluation's raw-figure name:
    /// re-evaluating one split (<c>eval --split test</c>) leaves the others as they were.</summary>
    /// <param name="evaluations">A variant's evaluations, oldest first.</param>
    public static IReadOnlyDictionary<string, (SplitEvaluation Split, string? RawFigure)> LatestSplits(IReadOnlyList<Evaluation> evaluations)
    {
        ArgumentNullException.ThrowIfNull(evaluations);
        var latest = new Dictionary<string, (SplitEvaluation, string?)>(StringComparer.Ordinal);
        foreach (var evaluation in evaluations)
        {
            foreach (var (name, split) in evaluation.Splits)
            {
                latest[name] = (split, evaluation.RawFigure);
            }
        }

        return latest;
    }

    /// <summary>The answer hash stored per draw: the first 16 hex digits of the SHA-256 of the UTF-8 answer text.</summary>
    /// <param name="answer">The answer text.</param>
    public static string AnswerHash(string answer) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(answer ?? string.Empty)))[..16];
}
