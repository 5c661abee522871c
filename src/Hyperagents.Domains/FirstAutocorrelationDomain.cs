using System.Globalization;
using System.Numerics;
using System.Text.Json;
using static Hyperagents.Domains.AnswerJson;

namespace Hyperagents.Domains;

/// <summary>First autocorrelation inequality: a non-negative step function f on [−1/4, 1/4] with n equal steps, making
/// C1 = max(f∗f) / (∫f)² as small as possible (AlphaEvolve B.1; the smallest C1 over all f is the constant whose best
/// known upper bound AlphaEvolve improved to 1.5053).</summary>
/// <remarks>
/// <para>Answer: <c>{"values": [h1, ..., hn]}</c>, the step heights left to right, exactly n finite numbers ≥ 0, not
/// all zero; other fields are ignored.</para>
/// <para>With step width w = 1/(2n), ∫f = w·Σh and f∗f is piecewise linear with knots at multiples of w, where it
/// equals w·(h∗h)ₖ (the full discrete self-convolution). So C1 = 2n · maxₖ (h∗h)ₖ / (Σh)², exactly AlphaEvolve's
/// formula. The evaluator computes it in exact rational arithmetic and rounds once at the end.</para>
/// <para>Raw figure: C1 (lower is better). Normalised score: 1.5052939684401607 ÷ C1 for every n. That reference is
/// AlphaEvolve's published bound (its 600-step construction); it does not depend on n, and small n cannot reach it,
/// so scores on small instances stay below 1.</para>
/// </remarks>
public sealed class FirstAutocorrelationDomain : MathDomain
{
    /// <inheritdoc/>
    public override string RawFigure => "C1";

    /// <summary>AlphaEvolve's published upper bound on the first autocorrelation constant.</summary>
    public const double Reference = 1.5052939684401607;

    private const string ReferenceSource = "AlphaEvolve 2025, published 600-step construction; the same for every n";

    /// <summary>Creates the domain with its fixed task sets: train n ∈ {25, 50, 100}, val {200, 600}, test {150, 400}.</summary>
    public FirstAutocorrelationDomain()
        : base(
            name: "first-autocorrelation",
            description: "Find a non-negative step function on [-1/4, 1/4] minimising max(f*f)/(integral f)^2 (AlphaEvolve B.1). Lower C1 is better.",
            higherIsBetter: false,
            defaultTaskId: "n600",
            parameterName: "n",
            instances:
            [
                Instance(25, Split.Train), Instance(50, Split.Train), Instance(100, Split.Train),
                Instance(200, Split.Val), Instance(600, Split.Val),
                Instance(150, Split.Test), Instance(400, Split.Test),
            ],
            describe: Describe,
            key: "values",
            formatHint: "; expected {\"values\": [h1, ..., hn]}")
    {
    }

    // One flat array of heights, not rows.
    private protected override TaskScore Evaluate(MathInstance instance, JsonElement array)
    {
        var n = instance.Size;
        if (CheckCount(array, n, "step heights") is { } wrongCount)
        {
            return wrongCount;
        }

        var heights = new double[n];
        var problems = new Problems();
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (!TryReadDouble(item, $"values[{index}]", out heights[index], out var error))
            {
                return TaskScore.Invalid(error);
            }

            if (heights[index] < 0)
            {
                problems.Add($"values[{index}] = {Format(heights[index])} is negative");
            }

            index++;
        }

        if (problems.Any)
        {
            return problems.ToInvalid("Heights must be >= 0.");
        }

        return Check(instance, heights);
    }

    /// <summary>C1 of a height vector, exactly as the evaluator computes it; <see langword="null"/> when all are zero.</summary>
    internal static (double C1, int ArgMax)? ComputeC1(double[] heights)
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

    private static TaskScore Check(MathInstance instance, double[] heights)
    {
        if (ComputeC1(heights) is not { } result)
        {
            return TaskScore.Invalid("all heights are zero; the integral of f must be positive");
        }

        var score = Reference / result.C1;
        var n = instance.Size;
        var at = -0.5 + (result.ArgMax + 1) / (2.0 * n);
        var feedback = string.Create(CultureInfo.InvariantCulture,
            $"valid: {n} heights, C1 = {Format(result.C1)} (lower is better), max of f*f at x = {at:0.####}; reference {Format(Reference)} ({ReferenceSource}); normalised score {score:0.######}.");
        return new TaskScore(true, score, result.C1, DomainLimits.Cap(feedback));
    }

    private static MathInstance Instance(int n, Split split) => new($"n{n}", split, n, Reference, ReferenceSource);

    private static string Describe(MathInstance instance) => string.Create(CultureInfo.InvariantCulture, $"""
        First autocorrelation inequality, n = {instance.Size}. Choose a non-negative step function f on [-1/4, 1/4] with {instance.Size} steps of equal width 1/(2n) and heights h1..h{instance.Size}, minimising C1 = max over t of (f*f)(t) divided by (integral of f)^2.
        For a step function this equals C1 = 2n * max_k (h conv h)_k / (sum h)^2, where (h conv h)_k = sum over i+j=k of h_i h_j (full discrete self-convolution); it is invariant under scaling h.
        Answer: a JSON object {"{"}"values": [h1, ..., h{instance.Size}]{"}"} with exactly {instance.Size} finite numbers >= 0, not all zero; other fields are ignored.
        C1 is computed in exact rational arithmetic from your numbers. Lower C1 is better; the score is the reference {AnswerJson.Format(Reference)} ({ReferenceSource}) divided by C1, so higher is better; an invalid answer scores 0. Any score the answer claims is ignored.
        """);
}
