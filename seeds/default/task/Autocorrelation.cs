// @domain first-autocorrelation
using System;
using Hyperagents;

namespace Seed.Solvers;

/// <summary>
/// Finds a non-negative step function f with n equal steps on [-1/4, 1/4] minimising
/// C1 = max(f*f) / (∫f)². For step heights h and width w = 1/(2n), (f*f) is piecewise linear with its maximum at a
/// breakpoint, so C1 = 2n · max_k (h ⋆ h)_k / (Σh)². Method: start from a constant function (C1 = 2), then a
/// stochastic local search that rescales one height at a time and keeps non-worsening moves, updating h ⋆ h in O(n).
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
        // The autoconvolution c = h ⋆ h is kept up to date: changing one height moves O(n) of its entries, so a step
        // costs O(n) instead of recomputing it in O(n²).
        var c = Autoconvolution(h);
        var sum = (double)n;
        var best = C1(c, sum, n);
        var decay = Math.Pow(StepEnd / StepStart, 1.0 / Math.Max(1, Iterations - 1));
        var step = StepStart;
        for (var t = 0; t < Iterations; t++, step *= decay)
        {
            var i = random.NextInt(n);
            var old = h[i];
            var next = Math.Max(0, old * Math.Exp(random.NextGaussian(0, step)) + random.NextGaussian(0, step * 0.1));
            Change(h, c, i, old, next);
            sum += next - old;
            var candidate = C1(c, sum, n);
            if (candidate <= best)
            {
                best = candidate;
            }
            else
            {
                Change(h, c, i, next, old);
                sum -= next - old;
            }
        }

        return Json.Array("values", h);
    }

    /// <summary>Sets h[i] from <paramref name="from"/> to <paramref name="to"/> and updates c = h ⋆ h to match.</summary>
    private static void Change(double[] h, double[] c, int i, double from, double to)
    {
        var d = to - from;
        for (var j = 0; j < h.Length; j++)
        {
            if (j != i)
            {
                c[i + j] += 2 * d * h[j];
            }
        }

        c[2 * i] += to * to - from * from;
        h[i] = to;
    }

    private static double[] Autoconvolution(double[] h)
    {
        var n = h.Length;
        var c = new double[2 * n - 1];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                c[i + j] += h[i] * h[j];
            }
        }

        return c;
    }

    private static double C1(double[] c, double sum, int n)
    {
        if (sum <= 0)
        {
            return double.PositiveInfinity;
        }

        var max = 0.0;
        foreach (var x in c)
        {
            max = Math.Max(max, x);
        }

        return 2.0 * n * max / (sum * sum);
    }
}
