// @domain heilbronn-triangle
using System;
using Hyperagents;

namespace Seed.Solvers;

/// <summary>
/// Places n points in the triangle (0,0), (1,0), (1/2, √3/2) maximising the smallest triangle area.
/// Method: random start, then hill climbing that moves a point of the currently smallest triangle (or any point) by a
/// Gaussian step that shrinks geometrically; plateau moves are accepted.
/// </summary>
internal static class Heilbronn
{
    private const int Restarts = /*@range(1, 10)*/ 2;
    private const int Iterations = /*@range(200, 50000)*/ 3000;
    private const double StepStart = /*@range(0.001, 0.3)*/ 0.1;
    private const double StepEnd = /*@range(0.000001, 0.01)*/ 0.001;
    private const double FocusProbability = /*@range(0, 1)*/ 0.7;

    private static readonly double Height = Math.Sqrt(3) / 2;

    public static string Solve(int n, SeededRandom random)
    {
        double[][]? best = null;
        var bestScore = double.NegativeInfinity;
        for (var restart = 0; restart < Restarts; restart++)
        {
            var (points, score) = Climb(n, random);
            if (score > bestScore)
            {
                bestScore = score;
                best = points;
            }
        }

        var xy = new double[n][];
        for (var i = 0; i < n; i++)
        {
            xy[i] = ToCartesian(best![i][0], best[i][1]);
        }

        return Json.Rows("points", xy);
    }

    private static (double[][] Points, double Score) Climb(int n, SeededRandom random)
    {
        var points = new double[n][];
        for (var i = 0; i < n; i++)
        {
            points[i] = RandomBarycentric(random);
        }

        var (score, worst) = MinArea(points);
        var decay = Math.Pow(StepEnd / StepStart, 1.0 / Math.Max(1, Iterations - 1));
        var step = StepStart;
        for (var t = 0; t < Iterations; t++, step *= decay)
        {
            var i = random.NextDouble() < FocusProbability ? worst[random.NextInt(3)] : random.NextInt(n);
            var old = points[i];
            points[i] = Project(old[0] + random.NextGaussian(0, step), old[1] + random.NextGaussian(0, step));
            var (candidate, candidateWorst) = MinArea(points);
            if (candidate >= score)
            {
                score = candidate;
                worst = candidateWorst;
            }
            else
            {
                points[i] = old;
            }
        }

        return (points, score);
    }

    private static double[] RandomBarycentric(SeededRandom random)
    {
        var u = random.NextDouble();
        var v = random.NextDouble();
        if (u + v > 1)
        {
            u = 1 - u;
            v = 1 - v;
        }

        return [u, v];
    }

    // Barycentric (u, v): point = u * (1, 0) + v * (1/2, √3/2); inside when u, v >= 0 and u + v <= 1.
    private static double[] Project(double u, double v)
    {
        u = Math.Max(0, u);
        v = Math.Max(0, v);
        var s = u + v;
        if (s > 1)
        {
            u /= s;
            v /= s;
        }

        return [u, v];
    }

    private static double[] ToCartesian(double u, double v) => [u + 0.5 * v, Height * v];

    // Areas in barycentric coordinates are proportional to Cartesian ones, so the triangle-area ratio is |det| directly.
    private static (double Min, int[] Worst) MinArea(double[][] p)
    {
        var min = double.PositiveInfinity;
        int[] worst = [0, 1, 2];
        for (var a = 0; a < p.Length; a++)
        {
            for (var b = a + 1; b < p.Length; b++)
            {
                for (var c = b + 1; c < p.Length; c++)
                {
                    var area = Math.Abs((p[b][0] - p[a][0]) * (p[c][1] - p[a][1]) - (p[c][0] - p[a][0]) * (p[b][1] - p[a][1]));
                    if (area < min)
                    {
                        min = area;
                        worst = [a, b, c];
                    }
                }
            }
        }

        return (min, worst);
    }
}
