using System.Globalization;
using System.Numerics;

/// <summary>Circle packing: n disjoint circles in the unit square, maximising the sum of radii (AlphaEvolve, arXiv
/// 2506.13131, appendix B.12). Validity is decided in exact rational arithmetic on the doubles given, with zero
/// tolerance, so the ordinary check is already the exact re-check. Raw figure: Σ r.</summary>
public sealed class CirclePackingEvaluator : IEvaluator
{
    private const string FormatHint = "; expected {\"circles\": [[x, y, r], ...]}";

    public EvaluationResult Evaluate(EvalInput input)
    {
        using var document = MathAnswer.Open(input.Answer, "circles", FormatHint, out var array, out var error);
        if (document is null)
        {
            return EvaluationResult.Invalid(error);
        }

        var n = input.Task.GetInt("n");
        return MathAnswer.TryReadRows(array, "circles", n, "circles", 3, " (each circle is [x, y, r])", out var values) is { } bad
            ? EvaluationResult.Invalid(bad)
            : Check(input, n, values);
    }

    // values[3i..3i+2] = x, y, r of circle i (circles are numbered from 0 in feedback, as in the array).
    private static EvaluationResult Check(EvalInput input, int n, double[] values)
    {
        var scaled = Exact.ToCommonScale(values, out var exponent);
        var one = BigInteger.One << -exponent;
        var problems = new Problems();

        for (var i = 0; i < n; i++)
        {
            double x = values[3 * i], y = values[3 * i + 1], r = values[3 * i + 2];
            BigInteger bx = scaled[3 * i], by = scaled[3 * i + 1], br = scaled[3 * i + 2];
            if (br.Sign <= 0)
            {
                problems.Add($"circle {i} has radius {MathAnswer.Format(r)}; radii must be > 0");
                continue;
            }

            if (bx - br < 0)
            {
                problems.Add($"circle {i} (x={MathAnswer.Format(x)}, r={MathAnswer.Format(r)}) crosses x = 0 by {Amount(r - x)}");
            }

            if (bx + br > one)
            {
                problems.Add($"circle {i} (x={MathAnswer.Format(x)}, r={MathAnswer.Format(r)}) crosses x = 1 by {Amount(x + r - 1)}");
            }

            if (by - br < 0)
            {
                problems.Add($"circle {i} (y={MathAnswer.Format(y)}, r={MathAnswer.Format(r)}) crosses y = 0 by {Amount(r - y)}");
            }

            if (by + br > one)
            {
                problems.Add($"circle {i} (y={MathAnswer.Format(y)}, r={MathAnswer.Format(r)}) crosses y = 1 by {Amount(y + r - 1)}");
            }
        }

        if (problems.Any)
        {
            return problems.ToInvalid("Every circle must lie inside [0,1]² (checked exactly, no tolerance).");
        }

        var tightestGap = double.PositiveInfinity;
        var tightestPair = (0, 0);
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                var dx = scaled[3 * i] - scaled[3 * j];
                var dy = scaled[3 * i + 1] - scaled[3 * j + 1];
                var radii = scaled[3 * i + 2] + scaled[3 * j + 2];
                var gap = Math.Sqrt(Sq(values[3 * i] - values[3 * j]) + Sq(values[3 * i + 1] - values[3 * j + 1]))
                          - (values[3 * i + 2] + values[3 * j + 2]);
                if (dx * dx + dy * dy < radii * radii)
                {
                    problems.Add($"circles {i} and {j} overlap by {Amount(-gap)} (centre distance {MathAnswer.Format(gap + values[3 * i + 2] + values[3 * j + 2])}, radii sum {MathAnswer.Format(values[3 * i + 2] + values[3 * j + 2])})");
                }
                else if (gap < tightestGap)
                {
                    tightestGap = gap;
                    tightestPair = (i, j);
                }
            }
        }

        if (problems.Any)
        {
            return problems.ToInvalid("Circles may touch but not overlap (checked exactly, no tolerance); shrink radii slightly.");
        }

        var sum = BigInteger.Zero;
        for (var i = 0; i < n; i++)
        {
            sum += scaled[3 * i + 2];
        }

        var raw = Exact.ToDouble(sum, exponent);
        var reference = input.Task.Reference!.Value;
        var score = raw / reference;
        var feedback = string.Create(CultureInfo.InvariantCulture,
            $"valid: {n} circles, sum of radii {MathAnswer.Format(raw)}; reference {MathAnswer.Format(reference)} ({MathAnswer.ReferenceSource(input)}); normalised score {score:0.######}. Tightest pair: circles {tightestPair.Item1} and {tightestPair.Item2}, gap {MathAnswer.Short(Math.Max(tightestGap, 0))}.");
        return EvaluationResult.Ok(raw, feedback);
    }

    private static double Sq(double v) => v * v;

    private static string Amount(double amount) => amount > 0 ? MathAnswer.Short(amount) : "less than 1e-16";
}
