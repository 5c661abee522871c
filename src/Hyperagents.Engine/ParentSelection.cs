namespace Hyperagents.Engine;

/// <summary>How the loop picks the parent of the next child.</summary>
public enum SelectionMethod
{
    /// <summary>DGM-H's default: σ(10·(α − α_mid)) · exp(−(children/8)³), α_mid the mean of the top-3 α.</summary>
    ScoreChildProp,
    /// <summary>The same sigmoid without the child factor.</summary>
    ScoreProp,
    /// <summary>The highest α (ties: the earliest).</summary>
    Best,
    /// <summary>Uniform among candidates.</summary>
    Random,
    /// <summary>The most recent candidate (the <c>no-archive</c> ablation).</summary>
    Latest,
}

/// <summary>A variant that may become a parent.</summary>
/// <param name="Id">The variant id.</param>
/// <param name="Alpha">Its selection score α (already scaled for staged-only variants).</param>
/// <param name="Children">How many children it already has.</param>
/// <param name="Order">Its position in the archive (higher is more recent).</param>
public sealed record SelectionCandidate(string Id, double Alpha, int Children, int Order);

/// <summary>The outcome of one selection, with every weight, for the log and the archive.</summary>
/// <param name="Chosen">The chosen parent.</param>
/// <param name="Weights">The weight of every candidate, in candidate order (normalised to sum 1).</param>
/// <param name="Midpoint">α_mid for the sigmoid methods; <see langword="null"/> otherwise.</param>
public sealed record SelectionResult(SelectionCandidate Chosen, IReadOnlyList<double> Weights, double? Midpoint)
{
    /// <summary>What the strategy based the choice on (island, rating, clade counts, tasks led), for the log and the
    /// child's provenance; <see langword="null"/> for the DGM-H weights.</summary>
    public string? Detail { get; init; }
}

/// <summary>Parent selection as DGM-H does it, seeded so a run can be replayed.</summary>
public static class ParentSelection
{
    /// <summary>The child factor h(n) = exp(−(n/8)³): h(0)=1, h(4)≈0.88, h(8)≈0.37, h(12)≈0.03.</summary>
    /// <param name="children">The number of children.</param>
    public static double ChildFactor(int children) => Math.Exp(-Math.Pow(children / 8.0, 3));

    /// <summary>The logistic function σ(x) = 1 / (1 + e^−x).</summary>
    /// <param name="x">The argument.</param>
    public static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    /// <summary>α_mid: the mean of the top-3 α (fewer when there are fewer candidates).</summary>
    /// <param name="candidates">The candidates; at least one.</param>
    public static double Midpoint(IReadOnlyList<SelectionCandidate> candidates) =>
        candidates.Select(c => c.Alpha).OrderByDescending(a => a).Take(3).Average();

    /// <summary>The un-normalised weight of each candidate under <paramref name="method"/>.</summary>
    /// <param name="method">The selection method.</param>
    /// <param name="candidates">The candidates; at least one.</param>
    public static IReadOnlyList<double> Weights(SelectionMethod method, IReadOnlyList<SelectionCandidate> candidates)
    {
        ArgumentOutOfRangeException.ThrowIfZero(candidates.Count);
        switch (method)
        {
            case SelectionMethod.ScoreChildProp:
            {
                var mid = Midpoint(candidates);
                return candidates.Select(c => Sigmoid(10 * (c.Alpha - mid)) * ChildFactor(c.Children)).ToList();
            }

            case SelectionMethod.ScoreProp:
            {
                var mid = Midpoint(candidates);
                return candidates.Select(c => Sigmoid(10 * (c.Alpha - mid))).ToList();
            }

            case SelectionMethod.Best:
            {
                var best = candidates.Select((c, i) => (c.Alpha, i)).OrderByDescending(x => x.Alpha).ThenBy(x => x.i).First().i;
                return candidates.Select((_, i) => i == best ? 1.0 : 0.0).ToList();
            }

            case SelectionMethod.Random:
                return candidates.Select(_ => 1.0).ToList();
            case SelectionMethod.Latest:
            {
                var latest = candidates.Select((c, i) => (c.Order, i)).OrderByDescending(x => x.Order).First().i;
                return candidates.Select((_, i) => i == latest ? 1.0 : 0.0).ToList();
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(method), method, null);
        }
    }

    /// <summary>Draws one parent in proportion to the weights.</summary>
    /// <param name="method">The selection method.</param>
    /// <param name="candidates">The candidates; at least one.</param>
    /// <param name="random">The seeded source; one draw is consumed.</param>
    public static SelectionResult Select(SelectionMethod method, IReadOnlyList<SelectionCandidate> candidates, SeededRandom random)
    {
        var midpoint = method is SelectionMethod.ScoreChildProp or SelectionMethod.ScoreProp ? Midpoint(candidates) : (double?)null;
        return Draw(candidates, Weights(method, candidates), random, midpoint);
    }

    /// <summary>Draws one candidate in proportion to <paramref name="weights"/> (uniform when they sum to zero or are not
    /// finite), consuming exactly one draw of <paramref name="random"/>.</summary>
    /// <param name="candidates">The candidates; at least one.</param>
    /// <param name="weights">Their un-normalised weights, in the same order.</param>
    /// <param name="random">The seeded source.</param>
    /// <param name="midpoint">α_mid to report, if any.</param>
    public static SelectionResult Draw(IReadOnlyList<SelectionCandidate> candidates, IReadOnlyList<double> weights, SeededRandom random, double? midpoint = null)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(random);
        var total = weights.Sum();
        var normalised = total > 0 && double.IsFinite(total)
            ? weights.Select(w => w / total).ToList()
            : candidates.Select(_ => 1.0 / candidates.Count).ToList();
        var draw = random.NextDouble();
        var chosen = candidates.Count - 1;
        var cumulative = 0.0;
        for (var i = 0; i < normalised.Count; i++)
        {
            cumulative += normalised[i];
            if (draw < cumulative)
            {
                chosen = i;
                break;
            }
        }

        // Rounding can leave the draw past the last cumulative sum: fall back to the last candidate with weight.
        while (normalised[chosen] == 0 && chosen > 0)
        {
            chosen--;
        }

        return new SelectionResult(candidates[chosen], normalised, midpoint);
    }

    /// <summary>α of a variant: the mean over domains of its selection-split score, scaled by n_staged / n_full when it
    /// was evaluated only on the staged subset or is the initial variant (as the reference implementation does).</summary>
    /// <param name="domainScores">The mean score per domain on the selection split (val, or train without val).</param>
    /// <param name="stagedOnlyOrInitial">Whether to apply the staged scaling.</param>
    /// <param name="stagedTasks">n_staged.</param>
    /// <param name="fullTasks">n_full.</param>
    public static double Alpha(IReadOnlyList<double> domainScores, bool stagedOnlyOrInitial, int stagedTasks, int fullTasks)
    {
        var alpha = domainScores.Count == 0 ? 0 : domainScores.Average();
        return stagedOnlyOrInitial && fullTasks > 0 ? alpha * stagedTasks / fullTasks : alpha;
    }
}
