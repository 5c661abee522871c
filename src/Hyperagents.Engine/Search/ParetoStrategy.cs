namespace Hyperagents.Engine;

/// <summary>GEPA's Pareto selection: per task the best score among the candidates; a candidate leads a task when it
/// reaches that best (ties lead together); the pool is every candidate that leads at least one task, minus those whose
/// led tasks are a strict subset of another's (dominated); one draw with probability ∝ the number of tasks led.</summary>
internal sealed class ParetoStrategy : IParentStrategy
{
    public string Name => "pareto";

    public string Summary => "GEPA: parents from the per-task Pareto front, probability ∝ tasks led.";

    public bool NeedsTaskScores => true;

    /// <summary>The tasks each candidate leads, after dominated candidates are dropped (empty set = not in the pool).</summary>
    /// <param name="input">The archive and candidates.</param>
    public static IReadOnlyList<IReadOnlySet<string>> Fronts(SelectionInput input)
    {
        var scores = input.Candidates.Select(c => input.Archive.Contains(c.Id) ? input.Archive[c.Id].TaskScores : new Dictionary<string, double>()).ToList();
        var best = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (task, score) in scores.SelectMany(s => s))
        {
            best[task] = best.TryGetValue(task, out var b) ? Math.Max(b, score) : score;
        }

        var led = scores.Select(s => (IReadOnlySet<string>)s.Where(kv => kv.Value >= best[kv.Key]).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal)).ToList();
        return led.Select(mine => mine.Count > 0 && led.Any(other => other.Count > mine.Count && other.IsSupersetOf(mine))
            ? new HashSet<string>()
            : mine).ToList();
    }

    public SelectionResult Select(SelectionInput input, SeededRandom random)
    {
        var fronts = Fronts(input);
        var weights = fronts.Select(f => (double)f.Count).ToList();
        var result = ParentSelection.Draw(input.Candidates, weights, random);
        var index = IndexOf(input.Candidates, result.Chosen);
        var tasks = fronts.SelectMany(f => f).Distinct().Count();
        return result with { Detail = $"leads {fronts[index].Count} of {tasks} tasks; front of {fronts.Count(f => f.Count > 0)}" };
    }

    internal static int IndexOf(IReadOnlyList<SelectionCandidate> candidates, SelectionCandidate chosen)
    {
        for (var i = 0; i < candidates.Count; i++)
        {
            if (ReferenceEquals(candidates[i], chosen))
            {
                return i;
            }
        }

        return 0;
    }
}
