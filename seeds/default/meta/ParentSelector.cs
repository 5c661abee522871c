using System;
using System.Linq;
using Hyperagents;

namespace Seed.Evolution;

/// <summary>
/// Chooses the next parent when the run selects with <c>--selection agent</c>: DGM-H's score_child_prop rule on train
/// scores, σ(Greed·(s − s_mid)) · exp(−(children/ChildScale)³), with s_mid the mean of the top <c>TopK</c> train scores.
/// Its constants are mutation sites, so the offline engine evolves the search itself.
/// </summary>
public static class ParentSelector
{
    /// <summary>How sharply a higher train score is preferred.</summary>
    private const double Greed = /*@range(1, 30)*/ 10.0;

    /// <summary>How many children a parent may have before it is explored less.</summary>
    private const double ChildScale = /*@range(2, 16)*/ 8.0;

    /// <summary>How many of the best train scores the midpoint averages.</summary>
    private const int TopK = /*@range(1, 5)*/ 3;

    public static string SelectParent(ParentChoice choice)
    {
        var candidates = choice.Candidates;
        var random = new SeededRandom(choice.Seed);
        var scores = candidates.Select(c => c.TrainScore ?? 0).ToList();
        var mid = scores.OrderByDescending(s => s).Take(Math.Max(1, TopK)).Average();
        var weights = candidates.Select((c, i) => 1.0 / (1.0 + Math.Exp(-Greed * (scores[i] - mid))) * Math.Exp(-Math.Pow(c.Children / ChildScale, 3))).ToList();
        var total = weights.Sum();
        if (!(total > 0) || double.IsInfinity(total))
        {
            return candidates[random.NextInt(candidates.Count)].Id;
        }

        var draw = random.NextDouble() * total;
        for (var i = 0; i < candidates.Count; i++)
        {
            draw -= weights[i];
            if (draw < 0)
            {
                return candidates[i].Id;
            }
        }

        return candidates[candidates.Count - 1].Id;
    }
}
