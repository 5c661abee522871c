namespace Hyperagents.Engine;

/// <summary>OpenEvolve's islands with a MAP-Elites grid per island. Attempt a works on island (a − 1) mod N; a child
/// lives on the island of the attempt that made it, the seed on every island. Every M island generations (M·N
/// attempts) the top 10 % (⌈0.1·n⌉ by α) of each island migrate to the next one on the ring. Within the island, each
/// variant falls in a cell of the grid over the domain's features (<see cref="SearchFeatures"/>), 4 bins per feature
/// over the archive's range; a cell's elite is its highest α. The parent is drawn with
/// p(v) = 0.2 / |I| + 0.7 · [v elite] / |E| + 0.1 · max(α, 0) / Σ max(α, 0) (uniform when that sum is 0): OpenEvolve's
/// 20 % exploration, 70 % exploitation of elites, 10 % fitness-proportional.</summary>
internal sealed class IslandStrategy : IParentStrategy
{
    /// <summary>Bins per feature.</summary>
    public const int Bins = 4;

    /// <summary>The share of an island that migrates.</summary>
    public const double MigrationShare = 0.1;

    public string Name => "islands";

    public string Summary => "OpenEvolve: N islands, ring migration of the top 10 % every M generations, MAP-Elites cells per island.";

    public bool NeedsFeatures => true;

    /// <summary>The island attempt <paramref name="attempt"/> works on.</summary>
    public static int IslandOf(int attempt, int islands) => (attempt - 1) % islands;

    /// <summary>The ids on each island as attempt <paramref name="attempt"/> starts: those born there, the seed, and
    /// every migrant of the migrations done so far.</summary>
    /// <param name="archive">The archive.</param>
    /// <param name="attempt">The attempt about to be made.</param>
    /// <param name="options">N and M.</param>
    public static IReadOnlyList<IReadOnlySet<string>> Members(SearchArchive archive, int attempt, SearchOptions options)
    {
        var n = options.Islands;
        var members = Enumerable.Range(0, n).Select(_ => new HashSet<string>(StringComparer.Ordinal)).ToList();
        foreach (var node in archive.Nodes)
        {
            if (node.Attempt <= 0)
            {
                members.ForEach(m => m.Add(node.Id));
            }
            else
            {
                members[IslandOf(node.Attempt, n)].Add(node.Id);
            }
        }

        var period = (long)options.MigrationInterval * n;
        for (long k = 1; k * period < attempt; k++)
        {
            var cutoff = k * period;
            var migrants = members.Select(island => island.Select(id => archive[id])
                .Where(v => v.Attempt <= cutoff && v.Alpha is not null)
                .OrderByDescending(v => v.Alpha).ThenBy(v => v.Sequence)
                .ToList()).Select(pool => pool.Take((int)Math.Ceiling(MigrationShare * pool.Count)).Select(v => v.Id).ToList()).ToList();
            for (var j = 0; j < n; j++)
            {
                members[(j + 1) % n].UnionWith(migrants[j]);
            }
        }

        return members;
    }

    /// <summary>The MAP-Elites cell of each node that has every feature: one bin per feature, <see cref="Bins"/> bins
    /// over the range of the archive's values.</summary>
    /// <param name="archive">The archive.</param>
    /// <param name="features">The feature names.</param>
    public static IReadOnlyDictionary<string, string> Cells(SearchArchive archive, IReadOnlyList<string> features)
    {
        var withAll = archive.Nodes.Where(n => features.All(n.Features.ContainsKey)).ToList();
        var ranges = features.ToDictionary(f => f, f => withAll.Count == 0 ? (0.0, 0.0) : (withAll.Min(n => n.Features[f]), withAll.Max(n => n.Features[f])));
        return withAll.ToDictionary(n => n.Id, n => string.Join(',', features.Select(f => Bin(n.Features[f], ranges[f].Item1, ranges[f].Item2))), StringComparer.Ordinal);
    }

    /// <summary>The bin of <paramref name="x"/> in [lo, hi]: ⌊Bins·(x − lo)/(hi − lo)⌋ clamped to [0, Bins − 1]; 0 when hi = lo.</summary>
    internal static int Bin(double x, double lo, double hi) =>
        hi <= lo ? 0 : Math.Clamp((int)Math.Floor(Bins * (x - lo) / (hi - lo)), 0, Bins - 1);

    /// <summary>The probability of each candidate, with the island and the elites it used.</summary>
    /// <param name="input">The archive and candidates.</param>
    public static (IReadOnlyList<double> Weights, int Island, int Elites, bool Fallback) Weights(SelectionInput input)
    {
        var island = IslandOf(input.Attempt, input.Options.Islands);
        var members = Members(input.Archive, input.Attempt, input.Options)[island];
        var inIsland = input.Candidates.Select(c => members.Contains(c.Id)).ToList();
        var fallback = !inIsland.Contains(true);
        if (fallback)
        {
            // No valid parent lives on this island (all marked invalid): the whole archive stands in for it.
            inIsland = input.Candidates.Select(_ => true).ToList();
        }

        var cells = Cells(input.Archive, input.Options.FeaturesOrDefault);
        var elites = new HashSet<int>();
        foreach (var group in input.Candidates.Select((c, i) => (c, i)).Where(x => inIsland[x.i])
                     .GroupBy(x => cells.TryGetValue(x.c.Id, out var cell) ? cell : "?" + x.c.Id, StringComparer.Ordinal))
        {
            elites.Add(group.OrderByDescending(x => x.c.Alpha).ThenBy(x => x.c.Order).First().i);
        }

        var size = inIsland.Count(x => x);
        var fitness = input.Candidates.Select((c, i) => inIsland[i] ? Math.Max(c.Alpha, 0) : 0).ToList();
        var total = fitness.Sum();
        var weights = input.Candidates.Select((c, i) => !inIsland[i] ? 0 :
            (0.2 / size) + (elites.Contains(i) ? 0.7 / elites.Count : 0) + (0.1 * (total > 0 ? fitness[i] / total : 1.0 / size))).ToList();
        return (weights, island, elites.Count, fallback);
    }

    public SelectionResult Select(SelectionInput input, SeededRandom random)
    {
        var (weights, island, elites, fallback) = Weights(input);
        var result = ParentSelection.Draw(input.Candidates, weights, random);
        var members = weights.Count(w => w > 0);
        return result with
        {
            Detail = $"island {island + 1} of {input.Options.Islands}, {members} member(s), {elites} elite cell(s)" +
                (fallback ? "; no valid parent on the island, chose from the whole archive" : string.Empty),
        };
    }
}
