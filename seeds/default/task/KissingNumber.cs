// @domain kissing-number
using System;
using System.Collections.Generic;
using System.Text;
using Hyperagents;

namespace Seed.Solvers;

/// <summary>
/// Builds a kissing configuration in Z^d: integer vectors of one common squared norm N whose pairwise squared
/// distances are all at least N. Start from the root system D_d scaled by 2 (all 2(±e_i ± e_j), N = 8), then add random
/// vectors of squared norm 8 from other patterns greedily whenever they keep every distance at least 8.
/// </summary>
internal static class KissingNumber
{
    private const int Attempts = /*@range(100, 200000)*/ 4000;
    private const double PatternMix = /*@range(0, 1)*/ 0.5;

    private const int Norm = 8;

    public static string Solve(int d, SeededRandom random)
    {
        var set = new List<int[]>();
        for (var i = 0; i < d; i++)
        {
            for (var j = i + 1; j < d; j++)
            {
                foreach (var si in new[] { -2, 2 })
                {
                    foreach (var sj in new[] { -2, 2 })
                    {
                        var v = new int[d];
                        v[i] = si;
                        v[j] = sj;
                        set.Add(v);
                    }
                }
            }
        }

        if (d == 1)
        {
            set.Add([2]);
            set.Add([-2]);
        }

        var seen = new HashSet<string>();
        foreach (var v in set)
        {
            seen.Add(Key(v));
        }

        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var candidate = Candidate(d, random);
            if (candidate is null || !seen.Add(Key(candidate)))
            {
                continue;
            }

            if (Compatible(candidate, set))
            {
                set.Add(candidate);
            }
        }

        var sb = new StringBuilder("{\"vectors\":[");
        for (var k = 0; k < set.Count; k++)
        {
            sb.Append(k == 0 ? "[" : ",[");
            sb.Append(string.Join(",", set[k]));
            sb.Append(']');
        }

        return sb.Append("]}").ToString();
    }

    // Patterns of squared norm 8 with small entries: (±2, ±1, ±1, ±1, ±1, 0, ...) and (±1 x 8, 0, ...).
    private static int[]? Candidate(int d, SeededRandom random)
    {
        var v = new int[d];
        var positions = Shuffle(d, random);
        if (d >= 8 && random.NextDouble() < PatternMix)
        {
            for (var k = 0; k < 8; k++)
            {
                v[positions[k]] = random.NextInt(2) == 0 ? -1 : 1;
            }

            return v;
        }

        if (d < 5)
        {
            return null;
        }

        v[positions[0]] = random.NextInt(2) == 0 ? -2 : 2;
        for (var k = 1; k < 5; k++)
        {
            v[positions[k]] = random.NextInt(2) == 0 ? -1 : 1;
        }

        return v;
    }

    private static bool Compatible(int[] candidate, List<int[]> set)
    {
        foreach (var v in set)
        {
            var distance = 0;
            for (var k = 0; k < v.Length; k++)
            {
                var diff = v[k] - candidate[k];
                distance += diff * diff;
            }

            if (distance < Norm)
            {
                return false;
            }
        }

        return true;
    }

    private static int[] Shuffle(int d, SeededRandom random)
    {
        var order = new int[d];
        for (var i = 0; i < d; i++)
        {
            order[i] = i;
        }

        for (var i = d - 1; i > 0; i--)
        {
            var j = random.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order;
    }

    private static string Key(int[] v) => string.Join(",", v);
}
