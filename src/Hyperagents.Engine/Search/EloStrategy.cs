namespace Hyperagents.Engine;

/// <summary>Escher-Loop's optimizer rating: every variant has a meta rating R (1500 to start) as the maker of children.
/// Children of one generation are a round: each counted child plays every earlier counted child of the same generation
/// made by another parent (score 1 when its α is higher, ½ when equal, 0 when lower; a child with no α scores below
/// any evaluated one), and the result moves the two parents' ratings by K·(S − E), E = 1 / (1 + 10^((R_o − R)/400)),
/// K = 32. No extra evaluation is spent. The parent is drawn with probability ∝ 10^(R/400): the softmax whose odds
/// between two parents are Elo's expected score odds.</summary>
internal sealed class EloStrategy : IParentStrategy
{
    /// <summary>The starting rating.</summary>
    public const double Initial = 1500;

    /// <summary>The update step.</summary>
    public const double K = 32;

    public string Name => "elo";

    public string Summary => "Escher-Loop: parents rated by Elo from their children's wins and losses; softmax on rating.";

    /// <summary>The meta rating of every node, after every counted round in sequence order.</summary>
    /// <param name="archive">The archive.</param>
    public static IReadOnlyDictionary<string, double> Ratings(SearchArchive archive)
    {
        var ratings = archive.Nodes.ToDictionary(n => n.Id, _ => Initial, StringComparer.Ordinal);
        var played = new List<SearchNode>();
        foreach (var child in archive.Nodes.Where(n => n.Parent is not null && archive.OutcomeOf(n) != ChildOutcome.Excluded))
        {
            var generation = archive.GenerationOf(child.Id);
            foreach (var other in played.Where(o => o.Parent != child.Parent && archive.GenerationOf(o.Id) == generation))
            {
                var (mine, theirs) = (ratings[child.Parent!], ratings[other.Parent!]);
                var expected = 1 / (1 + Math.Pow(10, (theirs - mine) / 400));
                var delta = K * (Score(child, other) - expected);
                ratings[child.Parent!] = mine + delta;
                ratings[other.Parent!] = theirs - delta;
            }

            played.Add(child);
        }

        return ratings;
    }

    /// <summary>S of <paramref name="a"/> against <paramref name="b"/>: 1, ½ or 0 by α (no α is below any α).</summary>
    internal static double Score(SearchNode a, SearchNode b)
    {
        var (x, y) = (a.Alpha ?? double.NegativeInfinity, b.Alpha ?? double.NegativeInfinity);
        return x > y ? 1 : x < y ? 0 : 0.5;
    }

    public SelectionResult Select(SelectionInput input, SeededRandom random)
    {
        var ratings = Ratings(input.Archive);
        var r = input.Candidates.Select(c => ratings.GetValueOrDefault(c.Id, Initial)).ToList();
        var max = r.Max();
        var weights = r.Select(x => Math.Pow(10, (x - max) / 400)).ToList();
        var result = ParentSelection.Draw(input.Candidates, weights, random);
        return result with { Detail = $"rating {r[ParetoStrategy.IndexOf(input.Candidates, result.Chosen)]:0.#} (best {max:0.#})" };
    }
}
