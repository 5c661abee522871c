using System.Globalization;

namespace Hyperagents.Archive;

/// <summary>
/// The one rule for printing scores in a run's output (<c>status</c>, <c>lineage</c>, <c>runs</c>, <c>show</c>, the run
/// summary, the progress lines, the report): every score of a run with the same number of decimals, the fewest (at least
/// <see cref="MinDecimals"/>, at most <see cref="MaxDecimals"/>) that print the run's distinct scores distinctly, so a
/// circle-packing run's 0.9883 and 0.9922 never both read "0.99"; each split's score is followed by its standard error
/// (when the evaluation recorded one) and the domain's raw figure (Σr, |S|, C1, ...), per task when the split has few
/// tasks, as a mean over draws otherwise.
/// </summary>
public sealed class ScoreFormat
{
    /// <summary>The fewest decimals shown.</summary>
    public const int MinDecimals = 3;

    /// <summary>The most decimals shown: differences below 10⁻⁶ are not told apart.</summary>
    public const int MaxDecimals = 6;

    /// <summary>Splits with at most this many tasks show the raw figure task by task; larger splits show its mean.</summary>
    public const int MaxTasksListed = 3;

    private ScoreFormat(int decimals) => Decimals = decimals;

    /// <summary>The format of a run whose scores are not known: <see cref="MinDecimals"/> decimals.</summary>
    public static ScoreFormat Default { get; } = new(MinDecimals);

    /// <summary>The decimals every score is printed with.</summary>
    public int Decimals { get; }

    /// <summary>The format that tells <paramref name="scores"/> apart: the fewest decimals in
    /// [<see cref="MinDecimals"/>, <see cref="MaxDecimals"/>] at which distinct values print distinctly.</summary>
    /// <param name="scores">Every score the output shows (non-finite values are ignored).</param>
    public static ScoreFormat For(IEnumerable<double> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var distinct = scores.Where(double.IsFinite).Distinct().ToList();
        for (var decimals = MinDecimals; decimals < MaxDecimals; decimals++)
        {
            var format = new ScoreFormat(decimals);
            if (distinct.Select(format.Number).Distinct(StringComparer.Ordinal).Count() == distinct.Count)
            {
                return format;
            }
        }

        return new ScoreFormat(MaxDecimals);
    }

    /// <summary>The format for every variant of a run: all splits of every variant's latest scores.</summary>
    /// <param name="variants">The run's variants.</param>
    public static ScoreFormat For(IEnumerable<VariantSummary> variants)
    {
        ArgumentNullException.ThrowIfNull(variants);
        return For(variants.SelectMany(v => v.Scores.Values));
    }

    /// <summary>A number with <see cref="Decimals"/> decimals, e.g. <c>0.9922</c>.</summary>
    /// <param name="value">The value.</param>
    public string Number(double value) => double.IsFinite(value) ? value.ToString("F" + Decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : "-";

    /// <summary>A score with its standard error when known: <c>0.9911±0.0004</c>.</summary>
    /// <param name="score">The mean.</param>
    /// <param name="stdErr">Its standard error, or <see langword="null"/>.</param>
    public string Score(double score, double? stdErr = null) => stdErr is { } se && double.IsFinite(score) ? Number(score) + "±" + StdErr(se) : Number(score);

    /// <summary>A standard error with <see cref="Decimals"/> decimals, more (up to <see cref="MaxDecimals"/>) when that
    /// would print a non-zero error as zero: <c>±0.0004</c>, never <c>±0.000</c>.</summary>
    private string StdErr(double se)
    {
        var decimals = se > 0 && double.IsFinite(se) ? Math.Clamp((int)Math.Ceiling(-Math.Log10(se)), Decimals, MaxDecimals) : Decimals;
        return se.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    /// <summary>One split's score, standard error and raw figure: <c>0.9911±0.0004 (Σr n26 2.6124, n28 2.7201)</c>.</summary>
    /// <param name="split">The split's result.</param>
    /// <param name="rawFigure">The name of the raw figure (<see cref="Evaluation.RawFigure"/>); no raw part without it.</param>
    public string Split(SplitEvaluation split, string? rawFigure)
    {
        ArgumentNullException.ThrowIfNull(split);
        var raw = Raw(split, rawFigure);
        return Score(split.Score, split.StdErr) + (raw is null ? string.Empty : $" ({raw})");
    }

    /// <summary>Every split of a variant, <c>train=… val=…</c>, each split from the latest evaluation that holds it
    /// (see <see cref="ScoreStatistics.LatestSplits"/>); <c>unscored</c> without one.</summary>
    /// <param name="scores">The variant's latest score per split (<see cref="VariantSummary.Scores"/>).</param>
    /// <param name="evaluations">The variant's evaluations, oldest first (for standard errors and raw figures).</param>
    public string Splits(IReadOnlyDictionary<string, double> scores, IReadOnlyList<Evaluation> evaluations)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(evaluations);
        if (scores.Count == 0)
        {
            return "unscored";
        }

        var latest = ScoreStatistics.LatestSplits(evaluations);
        return string.Join(" ", scores.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s =>
            latest.TryGetValue(s.Key, out var found) && found.Split.Score.Equals(s.Value)
                ? $"{s.Key}={Split(found.Split, found.RawFigure)}"
                : $"{s.Key}={Number(s.Value)}"));
    }

    /// <summary>The raw figure of a split: per task (the mean over its valid draws) when the split has at most
    /// <see cref="MaxTasksListed"/> tasks, <c>Σr n26 2.6124, n28 2.7201</c>; the mean over all draws otherwise, invalid
    /// draws counting 0 (<c>accuracy mean 0.750</c>); <see langword="null"/> when no draw recorded one.</summary>
    /// <param name="split">The split's result.</param>
    /// <param name="rawFigure">The raw figure's name.</param>
    public static string? Raw(SplitEvaluation split, string? rawFigure)
    {
        ArgumentNullException.ThrowIfNull(split);
        if (rawFigure is null || split.Tasks.All(t => t.Raw is null))
        {
            return null;
        }

        var tasks = split.Tasks.GroupBy(t => t.Task, StringComparer.Ordinal).ToList();
        if (tasks.Count > MaxTasksListed)
        {
            return $"{rawFigure} mean {RawNumber(split.Tasks.Average(t => t.Raw ?? 0))}";
        }

        return rawFigure + " " + string.Join(", ", tasks.Select(g =>
        {
            var valid = g.Where(t => t.Raw is not null).Select(t => t.Raw!.Value).ToList();
            return $"{g.Key} " + (valid.Count == 0 ? "invalid" : RawNumber(valid.Average()));
        }));
    }

    /// <summary>A raw figure with six significant digits (Σr 2.61279, |S| 72, C1 1.52341).</summary>
    private static string RawNumber(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
