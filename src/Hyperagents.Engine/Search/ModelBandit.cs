using Hyperagents.Archive;

namespace Hyperagents.Engine;

/// <summary>The choice of the UCB1 bandit for one attempt.</summary>
/// <param name="Arm">The chosen member's index in the arms.</param>
/// <param name="Name">Its name (<c>provider:model-id</c>).</param>
/// <param name="Detail">Pulls, mean reward and index of the choice.</param>
public sealed record BanditChoice(int Arm, string Name, string Detail);

/// <summary>UCB1 (Auer, Cesa-Bianchi and Fischer 2002) over the meta ensemble's models, rewarded by child improvement:
/// each past attempt whose provenance names an arm is a pull with reward 1 when its child improved on its parent
/// (accepted, evaluated, α above the parent's) and 0 otherwise — a refused, failed or model-failed child included; a
/// child not evaluated yet is no pull. An arm never pulled is chosen first (in ensemble order); then the arm with the
/// highest mean + √(2 ln n / n_a), ties broken by the seeded source. Offline (no meta model) there is no arm and the
/// bandit is inert.</summary>
public static class ModelBandit
{
    /// <summary>Pulls and total reward per arm, from the archive.</summary>
    /// <param name="arms">The arms' names.</param>
    /// <param name="archive">The archive.</param>
    public static IReadOnlyList<(int Pulls, int Reward)> Tally(IReadOnlyList<string> arms, SearchArchive archive)
    {
        ArgumentNullException.ThrowIfNull(arms);
        ArgumentNullException.ThrowIfNull(archive);
        var tally = arms.Select(_ => (Pulls: 0, Reward: 0)).ToArray();
        foreach (var node in archive.Nodes)
        {
            var arm = node.Arm is null ? -1 : IndexOf(arms, node.Arm);
            if (arm < 0 || (node.Status.State == VariantState.Accepted && node.Alpha is null))
            {
                continue;
            }

            tally[arm] = (tally[arm].Pulls + 1, tally[arm].Reward + (archive.OutcomeOf(node) == ChildOutcome.Improved ? 1 : 0));
        }

        return tally;
    }

    /// <summary>The UCB1 index mean + √(2 ln n / n_a) of each arm; +∞ for an arm never pulled.</summary>
    /// <param name="tally">Pulls and rewards per arm.</param>
    public static IReadOnlyList<double> Indices(IReadOnlyList<(int Pulls, int Reward)> tally)
    {
        ArgumentNullException.ThrowIfNull(tally);
        var total = tally.Sum(t => t.Pulls);
        return tally.Select(t => t.Pulls == 0 ? double.PositiveInfinity : ((double)t.Reward / t.Pulls) + Math.Sqrt(2 * Math.Log(total) / t.Pulls)).ToList();
    }

    /// <summary>Chooses the arm of the next attempt, or <see langword="null"/> when there are no arms (offline).</summary>
    /// <param name="arms">The meta models.</param>
    /// <param name="archive">The archive.</param>
    /// <param name="random">Breaks ties.</param>
    public static BanditChoice? Choose(IReadOnlyList<string> arms, SearchArchive archive, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(arms);
        ArgumentNullException.ThrowIfNull(random);
        if (arms.Count == 0)
        {
            return null;
        }

        var tally = Tally(arms, archive);
        var index = Indices(tally);
        var unpulled = Enumerable.Range(0, arms.Count).FirstOrDefault(i => tally[i].Pulls == 0, -1);
        int chosen;
        if (unpulled >= 0)
        {
            chosen = unpulled;
        }
        else
        {
            var top = index.Max();
            var tied = Enumerable.Range(0, arms.Count).Where(i => index[i] >= top).ToList();
            chosen = tied[tied.Count == 1 ? 0 : random.NextInt(tied.Count)];
        }

        var (pulls, reward) = tally[chosen];
        var detail = pulls == 0 ? "never pulled" : $"{pulls} pulls, mean {(double)reward / pulls:0.###}, UCB {index[chosen]:0.###}";
        return new BanditChoice(chosen, arms[chosen], detail);
    }

    private static int IndexOf(IReadOnlyList<string> arms, string name)
    {
        for (var i = 0; i < arms.Count; i++)
        {
            if (string.Equals(arms[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
