using System.Globalization;
using System.Text;
using Hyperagents.Archive;

namespace Hyperagents.Reporting;

/// <summary>One cell of an experiment grid: one run (an arm — a selection strategy or a baseline — with one seed) and its
/// best-so-far curve.</summary>
/// <param name="Arm">The strategy or baseline the run used, as the experiment names it.</param>
/// <param name="Seed">The run's seed.</param>
/// <param name="Run">The run's name (its folder under the experiment folder).</param>
/// <param name="BestAfter">Index g: the best selection-split score of the accepted variants among the seed and the first
/// g attempts (index 0 is the seed alone); <see langword="null"/> while none is scored. One entry per attempt made, plus one.</param>
/// <param name="Evaluations">Evaluations the run made (every variant's, the seed's included).</param>
/// <param name="Tokens">Model tokens the run spent (input + output; 0 offline).</param>
public sealed record ExperimentCell(string Arm, ulong Seed, string Run, IReadOnlyList<double?> BestAfter, long Evaluations, long Tokens)
{
    /// <summary>imp@k of this run: the best score after <paramref name="k"/> generations minus the seed's score, or
    /// <see langword="null"/> when the run has not made k attempts or either score is missing.</summary>
    /// <param name="k">The number of generations (attempts), at least 0.</param>
    public double? ImpAt(int k) =>
        k >= 0 && k < BestAfter.Count && BestAfter[0] is { } start && BestAfter[k] is { } best ? best - start : null;
}

/// <summary>A mean over seeds with its two-sided 95 % Student-t interval.</summary>
/// <param name="N">How many values.</param>
/// <param name="Mean">Their mean.</param>
/// <param name="HalfWidth">t(0.975, N − 1) · s / √N; <see langword="null"/> for fewer than two values.</param>
public sealed record MeanInterval(int N, double Mean, double? HalfWidth)
{
    /// <summary>The interval as <c>mean ± half</c> with <paramref name="format"/>.</summary>
    /// <param name="format">A numeric format string, e.g. <c>0.0000</c>.</param>
    public string ToString(string format) =>
        Mean.ToString(format, CultureInfo.InvariantCulture) + " ± " + (HalfWidth is { } h ? h.ToString(format, CultureInfo.InvariantCulture) : "n/a");
}

/// <summary>imp@k as DGM-H reports it, over the cells of an experiment: per arm and k, the mean over seeds of
/// best(k) − start with a Student-t 95 % interval.</summary>
/// <remarks>Scores are the domains' normalised scores, higher better in every domain (a domain whose raw figure is
/// minimised normalises it as reference ÷ raw), so an improvement is positive. The best is taken on the selection split
/// (val, else train) among accepted variants, as the run's own best-so-far plot does; the held-out test split is not
/// used.</remarks>
public static class ExperimentStatistics
{
    /// <summary>The k DGM-H reports; an experiment also reports its own number of generations.</summary>
    public static IReadOnlyList<int> StandardK { get; } = [5, 10, 25, 50];

    /// <summary>The k an experiment of <paramref name="generations"/> generations reports: the standard ones it reaches,
    /// then <paramref name="generations"/> itself.</summary>
    /// <param name="generations">Generations per run.</param>
    public static IReadOnlyList<int> KsFor(int generations) =>
        StandardK.Where(k => k <= generations).Append(generations).Where(k => k > 0).Distinct().Order().ToList();

    /// <summary>The best-so-far curve of a run: index g holds the best selection score among the accepted variants of the
    /// seed and the first g attempts, in archive order.</summary>
    /// <param name="variants">The run's variants.</param>
    public static IReadOnlyList<double?> BestAfter(IReadOnlyList<VariantSummary> variants)
    {
        ArgumentNullException.ThrowIfNull(variants);
        var ordered = variants.OrderBy(v => v.Parent is null ? 0 : 1).ThenBy(v => v.Sequence).ToList();
        var curve = new List<double?>(ordered.Count);
        double? best = null;
        foreach (var v in ordered)
        {
            if (v.Status.State == VariantState.Accepted && SelectionScore.Of(v.Scores) is { } score && (best is null || score > best))
            {
                best = score;
            }

            curve.Add(best);
        }

        return curve;
    }

    /// <summary>The mean of <paramref name="values"/> with its two-sided 95 % Student-t interval.</summary>
    /// <param name="values">At least one value.</param>
    public static MeanInterval Summarise(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfZero(values.Count);
        var n = values.Count;
        var mean = values.Average();
        if (n < 2)
        {
            return new MeanInterval(n, mean, null);
        }

        var variance = values.Sum(v => (v - mean) * (v - mean)) / (n - 1);
        return new MeanInterval(n, mean, StudentT.Quantile(0.975, n - 1) * Math.Sqrt(variance / n));
    }

    /// <summary>One row per arm and k: the interval of imp@k over the arm's cells that reached k.</summary>
    /// <param name="cells">The experiment's cells.</param>
    /// <param name="ks">The k to report.</param>
    public static IReadOnlyList<ArmSummary> Summaries(IReadOnlyList<ExperimentCell> cells, IReadOnlyList<int> ks)
    {
        ArgumentNullException.ThrowIfNull(cells);
        ArgumentNullException.ThrowIfNull(ks);
        var rows = new List<ArmSummary>();
        foreach (var arm in cells.Select(c => c.Arm).Distinct())
        {
            var mine = cells.Where(c => c.Arm == arm).ToList();
            foreach (var k in ks)
            {
                var values = mine.Select(c => c.ImpAt(k)).OfType<double>().ToList();
                rows.Add(new ArmSummary(arm, k, values.Count == 0 ? null : Summarise(values), mine.Sum(c => c.Evaluations), mine.Sum(c => c.Tokens)));
            }
        }

        return rows;
    }

    /// <summary>The cells as CSV: one row per cell and k (header <c>arm,seed,run,k,start,best,imp,evaluations,tokens</c>).</summary>
    /// <param name="cells">The cells.</param>
    /// <param name="ks">The k to report.</param>
    public static string CellsCsv(IReadOnlyList<ExperimentCell> cells, IReadOnlyList<int> ks)
    {
        ArgumentNullException.ThrowIfNull(cells);
        ArgumentNullException.ThrowIfNull(ks);
        var csv = new StringBuilder("arm,seed,run,k,start,best,imp,evaluations,tokens\n");
        foreach (var c in cells)
        {
            foreach (var k in ks)
            {
                var best = k < c.BestAfter.Count ? c.BestAfter[k] : null;
                csv.AppendJoin(',', Field(c.Arm), c.Seed.ToString(CultureInfo.InvariantCulture), Field(c.Run), k.ToString(CultureInfo.InvariantCulture),
                    Number(c.BestAfter.Count > 0 ? c.BestAfter[0] : null), Number(best), Number(c.ImpAt(k)),
                    c.Evaluations.ToString(CultureInfo.InvariantCulture), c.Tokens.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        return csv.ToString();
    }

    /// <summary>The summary as CSV: one row per arm and k (header
    /// <c>arm,k,n,mean,ci95_half_width,ci95_low,ci95_high,evaluations,tokens</c>; evaluations and tokens are the arm's totals).</summary>
    /// <param name="rows">The summaries.</param>
    public static string SummaryCsv(IReadOnlyList<ArmSummary> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var csv = new StringBuilder("arm,k,n,mean,ci95_half_width,ci95_low,ci95_high,evaluations,tokens\n");
        foreach (var r in rows)
        {
            var i = r.Imp;
            csv.AppendJoin(',', Field(r.Arm), r.K.ToString(CultureInfo.InvariantCulture), (i?.N ?? 0).ToString(CultureInfo.InvariantCulture),
                Number(i?.Mean), Number(i?.HalfWidth), Number(i?.Mean - i?.HalfWidth), Number(i?.Mean + i?.HalfWidth),
                r.Evaluations.ToString(CultureInfo.InvariantCulture), r.Tokens.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return csv.ToString();
    }

    private static string Number(double? value) => value is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : string.Empty;

    private static string Field(string text) =>
        text.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
}

/// <summary>imp@k of one arm at one k.</summary>
/// <param name="Arm">The strategy or baseline.</param>
/// <param name="K">Generations.</param>
/// <param name="Imp">The interval over the seeds that reached k; <see langword="null"/> when none did.</param>
/// <param name="Evaluations">Evaluations spent by the arm's runs, all seeds together.</param>
/// <param name="Tokens">Model tokens spent by the arm's runs, all seeds together.</param>
public sealed record ArmSummary(string Arm, int K, MeanInterval? Imp, long Evaluations, long Tokens);

/// <summary>Student's t distribution: its CDF through the regularised incomplete beta function, its quantile by bisection.</summary>
public static class StudentT
{
    /// <summary>P(T ≤ t) for T with <paramref name="df"/> degrees of freedom.</summary>
    /// <param name="t">The point.</param>
    /// <param name="df">Degrees of freedom, at least 1.</param>
    public static double Cdf(double t, int df)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(df, 1);
        var tail = 0.5 * RegularisedBeta(df / (df + t * t), df / 2.0, 0.5);
        return t >= 0 ? 1 - tail : tail;
    }

    /// <summary>The <paramref name="p"/>-quantile for <paramref name="df"/> degrees of freedom (e.g. 12.706 for p = 0.975, df = 1).</summary>
    /// <param name="p">A probability in (0, 1).</param>
    /// <param name="df">Degrees of freedom, at least 1.</param>
    public static double Quantile(double p, int df)
    {
        if (p is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "p must be in (0, 1).");
        }

        double lo = -1e6, hi = 1e6;
        for (var i = 0; i < 200 && hi - lo > 1e-12 * Math.Max(1, Math.Abs(hi)); i++)
        {
            var mid = (lo + hi) / 2;
            if (Cdf(mid, df) < p)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return (lo + hi) / 2;
    }

    /// <summary>I_x(a, b) by its continued fraction (modified Lentz), using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where
    /// the fraction converges slowly.</summary>
    private static double RegularisedBeta(double x, double a, double b)
    {
        if (x <= 0)
        {
            return 0;
        }

        if (x >= 1)
        {
            return 1;
        }

        var front = Math.Exp(LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x));
        return x < (a + 1) / (a + b + 2)
            ? front * BetaFraction(x, a, b) / a
            : 1 - front * BetaFraction(1 - x, b, a) / b;
    }

    private static double BetaFraction(double x, double a, double b)
    {
        const double tiny = 1e-300;
        double c = 1, d = 1 - (a + b) * x / (a + 1);
        d = 1 / (Math.Abs(d) < tiny ? tiny : d);
        var h = d;
        for (var m = 1; m <= 500; m++)
        {
            // Even step, then odd step, of the fraction's terms.
            var even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
            d = 1 + even * d;
            d = 1 / (Math.Abs(d) < tiny ? tiny : d);
            c = 1 + even / c;
            c = Math.Abs(c) < tiny ? tiny : c;
            h *= d * c;
            var odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
            d = 1 + odd * d;
            d = 1 / (Math.Abs(d) < tiny ? tiny : d);
            c = 1 + odd / c;
            c = Math.Abs(c) < tiny ? tiny : c;
            var step = d * c;
            h *= step;
            if (Math.Abs(step - 1) < 1e-15)
            {
                break;
            }
        }

        return h;
    }

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos, g = 7, nine coefficients).</summary>
    private static double LogGamma(double x)
    {
        ReadOnlySpan<double> g =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        if (x < 0.5)
        {
            return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        }

        x -= 1;
        var sum = g[0];
        for (var i = 1; i < g.Length; i++)
        {
            sum += g[i] / (x + i);
        }

        var t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }
}
