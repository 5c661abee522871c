// @domain circle-packing
using System;
using Hyperagents;

namespace Seed.Solvers;

/// <summary>
/// Packs n disjoint circles in the unit square, maximising the sum of radii.
/// Method: penalty optimisation of (x, y, r) with Adam from a jittered grid, the overlap penalty weight growing and
/// the step shrinking geometrically, several restarts; then an exact repair that shrinks radii until the packing is strictly valid.
/// </summary>
internal static class CirclePacking
{
    private const int Restarts = /*@range(1, 12)*/ 3;
    private const int Iterations = /*@range(100, 20000)*/ 1500;
    private const double LearningRate = /*@range(0.0005, 0.05)*/ 0.01;
    private const double LearningRateEnd = /*@range(0.000001, 0.001)*/ 0.0001;
    private const double PenaltyStart = /*@range(1, 1000)*/ 10.0;
    private const double PenaltyEnd = /*@range(100, 10000000)*/ 100000.0;
    private const double Jitter = /*@range(0, 0.2)*/ 0.02;
    private const double InitialRadius = /*@range(0.001, 0.2)*/ 0.05;

    public static string Solve(int n, SeededRandom random)
    {
        double[][]? best = null;
        var bestSum = double.NegativeInfinity;
        for (var restart = 0; restart < Restarts; restart++)
        {
            var circles = Optimise(n, random);
            Repair(circles);
            var sum = 0.0;
            foreach (var c in circles)
            {
                sum += c[2];
            }

            if (sum > bestSum)
            {
                bestSum = sum;
                best = circles;
            }
        }

        return Json.Rows("circles", best!);
    }

    private static double[][] Optimise(int n, SeededRandom random)
    {
        var cols = (int)Math.Ceiling(Math.Sqrt(n));
        var rows = (n + cols - 1) / cols;
        var p = new double[3 * n];
        for (var i = 0; i < n; i++)
        {
            p[3 * i] = Math.Clamp((i % cols + 0.5) / cols + random.NextGaussian(0, Jitter), 0.01, 0.99);
            p[3 * i + 1] = Math.Clamp((i / cols + 0.5) / rows + random.NextGaussian(0, Jitter), 0.01, 0.99);
            p[3 * i + 2] = InitialRadius;
        }

        var m = new double[p.Length];
        var v = new double[p.Length];
        var g = new double[p.Length];
        const double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-12;
        var growth = Math.Pow(PenaltyEnd / PenaltyStart, 1.0 / Math.Max(1, Iterations - 1));
        var lambda = PenaltyStart;
        var rateDecay = Math.Pow(LearningRateEnd / LearningRate, 1.0 / Math.Max(1, Iterations - 1));
        var rate = LearningRate;
        for (var t = 1; t <= Iterations; t++, lambda *= growth, rate *= rateDecay)
        {
            Gradient(p, g, n, lambda);
            var c1 = 1 - Math.Pow(beta1, t);
            var c2 = 1 - Math.Pow(beta2, t);
            for (var k = 0; k < p.Length; k++)
            {
                m[k] = beta1 * m[k] + (1 - beta1) * g[k];
                v[k] = beta2 * v[k] + (1 - beta2) * g[k] * g[k];
                p[k] -= rate * (m[k] / c1) / (Math.Sqrt(v[k] / c2) + epsilon);
            }
        }

        var circles = new double[n][];
        for (var i = 0; i < n; i++)
        {
            circles[i] = [Math.Clamp(p[3 * i], 0, 1), Math.Clamp(p[3 * i + 1], 0, 1), Math.Max(0, p[3 * i + 2])];
        }

        return circles;
    }

    // Objective: -sum(r) + lambda * (sum of squared overlaps and squared boundary violations).
    private static void Gradient(double[] p, double[] g, int n, double lambda)
    {
        Array.Clear(g);
        for (var i = 0; i < n; i++)
        {
            double x = p[3 * i], y = p[3 * i + 1], r = p[3 * i + 2];
            g[3 * i + 2] -= 1;
            Wall(r - x, ref g[3 * i], -1, ref g[3 * i + 2], lambda);
            Wall(r - (1 - x), ref g[3 * i], 1, ref g[3 * i + 2], lambda);
            Wall(r - y, ref g[3 * i + 1], -1, ref g[3 * i + 2], lambda);
            Wall(r - (1 - y), ref g[3 * i + 1], 1, ref g[3 * i + 2], lambda);
            if (r < 0)
            {
                g[3 * i + 2] += 2 * lambda * r;
            }

            for (var j = i + 1; j < n; j++)
            {
                var dx = x - p[3 * j];
                var dy = y - p[3 * j + 1];
                var d = Math.Sqrt(dx * dx + dy * dy) + 1e-12;
                var overlap = r + p[3 * j + 2] - d;
                if (overlap <= 0)
                {
                    continue;
                }

                var f = 2 * lambda * overlap;
                g[3 * i + 2] += f;
                g[3 * j + 2] += f;
                g[3 * i] -= f * dx / d;
                g[3 * i + 1] -= f * dy / d;
                g[3 * j] += f * dx / d;
                g[3 * j + 1] += f * dy / d;
            }
        }
    }

    private static void Wall(double violation, ref double gPosition, double sign, ref double gRadius, double lambda)
    {
        if (violation <= 0)
        {
            return;
        }

        gRadius += 2 * lambda * violation;
        gPosition += 2 * lambda * violation * sign;
    }

    // Shrinks radii until every circle is inside the square and no two overlap, with a relative safety margin.
    private static void Repair(double[][] circles)
    {
        const double margin = 1e-9;
        foreach (var c in circles)
        {
            c[2] = Math.Max(0, Math.Min(c[2], Math.Min(Math.Min(c[0], 1 - c[0]), Math.Min(c[1], 1 - c[1])) - margin));
        }

        for (var pass = 0; pass < 100; pass++)
        {
            var changed = false;
            for (var i = 0; i < circles.Length; i++)
            {
                for (var j = i + 1; j < circles.Length; j++)
                {
                    var dx = circles[i][0] - circles[j][0];
                    var dy = circles[i][1] - circles[j][1];
                    var d = Math.Sqrt(dx * dx + dy * dy);
                    var total = circles[i][2] + circles[j][2];
                    if (total <= d - margin)
                    {
                        continue;
                    }

                    var scale = Math.Max(0, d - 2 * margin) / Math.Max(total, 1e-300);
                    circles[i][2] *= scale;
                    circles[j][2] *= scale;
                    changed = true;
                }
            }

            if (!changed)
            {
                return;
            }
        }
    }
}
