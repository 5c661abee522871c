using System;
using Hyperagents;

namespace Seed.Solvers;

/// <summary>
/// Finds a non-negative step function f with n equal steps on [-1/4, 1/4] minimising
/// C1 = max(f*f) / (∫f)². For step heights h and width w = 1/(2n), (f*f) is piecewise linear with its maximum at a
/// breakpoint, so C1 = 2n · max_k (h ⋆ h)_k / (Σh)². Method: start from a constant function (C1 = 2), then a
/// stochastic local search that rescales one height at a time and keeps non-worsening moves.
/// </summary>
internal static class Autocorrelation
{
    private const int Iterations = /*@range(100, 100000)*/ 2000;
    private const double StepStart = /*@range(0.01, 1)*/ 0.3;
    private const double StepEnd = /*@range(0.0001, 0.1)*/ 0.01;

    public static string Solve(int n, SeededRandom random)
    {
        var h = new double[n];
        Array.Fill(h, 1.0);
        var best = C1(h);
        var decay = Math.Pow(StepEnd / StepStart, 1.0 / Math.Max(1, Iterations - 1));
        var step = StepStart;
        for (var t = 0; t < Iterations; t++, step *= decay)
        {
            var i = random.NextInt(n);
            var old = h[i];
            h[i] = Math.Max(0, old * Math.Exp(random.NextGaussian(0, step)) + random.NextGaussian(0, step * 0.1));
            var candidate = C1(h);
            if (candidate <= best)
            {
                best = candidate;
            }
            else
            {
                h[i] = old;
            }
        }

        return Json.Array("values", h);
    }

    private static double C1(double[] h)
    {
        var n = h.Length;
        var sum = 0.0;
        foreach (var x in h)
        {
            sum += x;
        }

        if (sum <= 0)
        {
            return double.PositiveInfinity;
        }

        var max = 0.0;
        for (var k = 0; k < 2 * n - 1; k++)
        {
            var s = 0.0;
            for (var i = Math.Max(0, k - n + 1); i <= Math.Min(k, n - 1); i++)
            {
                s += h[i] * h[k - i];
            }

            max = Math.Max(max, s);
        }

        return 2.0 * n * max / (sum * sum);
    }
}
