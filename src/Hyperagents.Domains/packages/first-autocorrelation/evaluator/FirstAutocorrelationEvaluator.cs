using System.Globalization;
using System.Numerics;

/// <summary>The first autocorrelation inequality (AlphaEvolve, arXiv 2506.13131, appendix B.1): a non-negative step
/// function on [-1/4, 1/4] with n equal steps minimising C1 = 2n · max_k (h conv h)_k / (Σh)², computed in exact rational
/// arithmetic from the given heights (so the ordinary check is already the exact re-check). Raw figure: C1, lower is
/// better.</summary>
public sealed class FirstAutocorrelationEvaluator : IEvaluator
{
    private const string FormatHint = "; expected {\"values\": [h1, ..., hn]}";

    public EvaluationResult Evaluate(EvalInput input)
    {
        using var document = MathAnswer.Open(input.Answer, "values", FormatHint, out var array, out var error);
        if (document is null)
        {
            return EvaluationResult.Invalid(error);
        }

        // One flat array of heights, not rows.
        var n = input.Task.GetInt("n");
        if (MathAnswer.CheckCount(array, n, "step heights") is { } wrongCount)
        {
            return EvaluationResult.Invalid(wrongCount);
        }

        var heights = new double[n];
        var problems = new Problems();
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (!MathAnswer.TryReadDouble(item, $"values[{index}]", out heights[index], out error))
            {
                return EvaluationResult.Invalid(error);
            }

            if (heights[index] < 0)
            {
                problems.Add($"values[{index}] = {MathAnswer.Format(heights[index])} is negative");
            }

            index++;
        }

        return problems.Any ? problems.ToInvalid("Heights must be >= 0.") : Check(input, n, heights);
    }

    private static (double C1, int ArgMax)? ComputeC1(double[] heights)
    {
        var scaled = Exact.ToCommonScale(heights, out _);
        var sum = BigInteger.Zero;
        foreach (var h in scaled)
        {
            sum += h;
        }

        if (sum.IsZero)
        {
            return null;
        }

        var n = scaled.Length;
        var best = BigInteger.MinusOne;
        var argMax = 0;
        for (var k = 0; k < 2 * n - 1; k++)
        {
            var conv = BigInteger.Zero;
            var from = Math.Max(0, k - n + 1);
            var to = Math.Min(k, n - 1);
            for (var i = from; i <= to; i++)
            {
                if (!scaled[i].IsZero && !scaled[k - i].IsZero)
                {
                    conv += scaled[i] * scaled[k - i];
                }
            }

            if (conv > best)
            {
                best = conv;
                argMax = k;
            }
        }

        // The common power of two cancels: C1 = 2n · max conv / (Σh)².
        return (Exact.Ratio(2 * n * best, sum * sum), argMax);
    }

    private static EvaluationResult Check(EvalInput input, int n, double[] heights)
    {
        if (ComputeC1(heights) is not { } result)
        {
            return EvaluationResult.Invalid("all heights are zero; the integral of f must be positive");
        }

        var reference = input.Task.Reference!.Value;
        var score = reference / result.C1;
        var at = -0.5 + (result.ArgMax + 1) / (2.0 * n);
        var feedback = string.Create(CultureInfo.InvariantCulture,
            $"valid: {n} heights, C1 = {MathAnswer.Format(result.C1)} (lower is better), max of f*f at x = {at:0.####}; reference {MathAnswer.Format(reference)} ({MathAnswer.ReferenceSource(input)}); normalised score {score:0.######}.");
        return EvaluationResult.Ok(result.C1, feedback);
    }
}
