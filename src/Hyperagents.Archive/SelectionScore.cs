namespace Hyperagents.Archive;

/// <summary>The one rule for the score that ranks a variant (parent selection, the best, the report): its score on
/// <c>val</c>, else on <c>train</c>, else on the <c>staged</c> subset; a variant with none of these has no selection
/// score (a <c>test</c> score never ranks anything).</summary>
/// <remarks>A staged-only score ranks a variant among parents (scaled down, see <c>ParentSelection.Alpha</c>) but never
/// competes for the best: it is measured on a subset of train, not on the draws a full evaluation runs.</remarks>
public static class SelectionScore
{
    /// <summary>The split names in the order the rule tries them.</summary>
    public static IReadOnlyList<string> Order { get; } = ["val", "train", "staged"];

    /// <summary>The split whose score ranks a variant with these splits, or <see langword="null"/>.</summary>
    /// <param name="has">Whether the variant has a score on a split.</param>
    public static string? SplitOf(Func<string, bool> has)
    {
        ArgumentNullException.ThrowIfNull(has);
        return Order.FirstOrDefault(has);
    }

    /// <summary>The selection score of a variant's latest scores per split, or <see langword="null"/>.</summary>
    /// <param name="scores">Scores by split, as <see cref="VariantSummary.Scores"/> holds them.</param>
    public static double? Of(IReadOnlyDictionary<string, double> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        return SplitOf(scores.ContainsKey) is { } split ? scores[split] : null;
    }

    /// <summary>The split of an evaluation that ranks it, or <see langword="null"/>.</summary>
    /// <param name="evaluation">The evaluation.</param>
    public static string? SplitOf(Evaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        return SplitOf(evaluation.Splits.ContainsKey);
    }

    /// <summary>The selection score of one evaluation, or <see langword="null"/>.</summary>
    /// <param name="evaluation">The evaluation.</param>
    public static SplitEvaluation? SplitEvaluationOf(Evaluation evaluation) =>
        SplitOf(evaluation) is { } split ? evaluation.Splits[split] : null;

    /// <summary>Whether a split is a full evaluation (val or train), the only kind that competes for the best.</summary>
    /// <param name="split">A split name.</param>
    public static bool IsFull(string split) => split is "val" or "train";
}
