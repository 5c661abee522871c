namespace Hyperagents.Engine;

/// <summary>The Huxley-Gödel Machine's clade metaproductivity: a candidate is credited with the outcomes of every
/// attempt in its clade (its descendants), not with its own score. With s successes (a child above its parent, see
/// <see cref="SearchArchive.OutcomeOf"/>) and f failures in the clade, θ ~ Beta(1 + s, 1 + f) is drawn for each
/// candidate (Thompson sampling) and the highest θ is the parent.</summary>
internal sealed class CladeStrategy : IParentStrategy
{
    public string Name => "cmp";

    public string Summary => "Huxley-Gödel Machine: Thompson sampling on clade successes/failures (descendants' results).";

    /// <summary>Successes and failures of the attempts in a node's clade (its descendants; the node itself is not an
    /// outcome of the clade).</summary>
    /// <param name="archive">The archive.</param>
    /// <param name="id">The node.</param>
    public static (int Successes, int Failures) Counts(SearchArchive archive, string id)
    {
        if (!archive.Contains(id))
        {
            return (0, 0);
        }

        var (s, f) = (0, 0);
        foreach (var node in archive.CladeOf(id).Where(n => n.Id != id))
        {
            switch (archive.OutcomeOf(node))
            {
                case ChildOutcome.Improved:
                    s++;
                    break;
                case ChildOutcome.NotImproved:
                    f++;
                    break;
            }
        }

        return (s, f);
    }

    public SelectionResult Select(SelectionInput input, SeededRandom random)
    {
        var counts = input.Candidates.Select(c => Counts(input.Archive, c.Id)).ToList();
        var theta = counts.Select(c => Beta(1 + c.Successes, 1 + c.Failures, random)).ToList();
        var chosen = 0;
        for (var i = 1; i < theta.Count; i++)
        {
            if (theta[i] > theta[chosen])
            {
                chosen = i;
            }
        }

        var weights = input.Candidates.Select((_, i) => i == chosen ? 1.0 : 0.0).ToList();
        var (s, f) = counts[chosen];
        return new SelectionResult(input.Candidates[chosen], weights, null) { Detail = $"clade {s} improved / {f} not; θ {theta[chosen]:0.###}" };
    }

    /// <summary>A draw of Beta(a, b) as X / (X + Y), X ~ Gamma(a), Y ~ Gamma(b).</summary>
    internal static double Beta(double a, double b, SeededRandom random)
    {
        var x = Gamma(a, random);
        var y = Gamma(b, random);
        return x / (x + y);
    }

    /// <summary>Gamma(shape, 1) for shape ≥ 1 by Marsaglia and Tsang's squeeze method (2000).</summary>
    internal static double Gamma(double shape, SeededRandom random)
    {
        var d = shape - 1.0 / 3.0;
        var c = 1.0 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = random.NextGaussian();
                v = 1 + c * x;
            }
            while (v <= 0);

            v = v * v * v;
            var u = random.NextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.Log(u) < 0.5 * x * x + d * (1 - v + Math.Log(v)))
            {
                return d * v;
            }
        }
    }
}
