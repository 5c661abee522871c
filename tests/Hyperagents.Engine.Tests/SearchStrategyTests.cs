using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Hyperagents.Archive;

namespace Hyperagents.Engine.Tests;

/// <summary>Each search strategy against its closed form on fixed in-memory archives (docs/search.md).</summary>
public sealed class SearchStrategyTests
{
    private static readonly VariantStatus Ok = VariantStatus.Accepted;
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static SearchNode Node(string id, string? parent, int seq, double? alpha, VariantStatus? status = null, int? attempt = null) =>
        new(id, parent, seq, attempt ?? seq, status ?? Ok, alpha, (status ?? Ok).State == VariantState.Accepted && alpha is not null);

    private static SelectionInput Input(SearchArchive archive, int attempt = 1, SearchOptions? options = null) =>
        new(archive, archive.Nodes.Where(n => n.ValidParent).Select(n => new SelectionCandidate(n.Id, n.Alpha!.Value, archive.ChildrenOf(n.Id).Count, (int)n.Sequence)).ToList(),
            attempt, options ?? new SearchOptions());

    private static Dictionary<string, double> Tasks(params double[] scores) =>
        scores.Select((s, i) => ($"val/t{i + 1}", s)).ToDictionary(x => x.Item1, x => x.s);

    [Fact]
    public void Every_strategy_is_found_by_its_name_and_the_enum_names_of_older_manifests_still_read()
    {
        Assert.Equal(["score_child_prop", "score_prop", "best", "random", "latest", "pareto", "cmp", "elo", "islands", "agent"], SelectionStrategies.Names);
        foreach (var name in SelectionStrategies.Names)
        {
            Assert.Equal(name, SelectionStrategies.Get(name).Name);
        }

        Assert.True(SelectionStrategies.TryNormalize("ScoreChildProp", out var old));
        Assert.Equal("score_child_prop", old);
        Assert.True(SelectionStrategies.TryNormalize("score-prop", out var dashed));
        Assert.Equal("score_prop", dashed);
        Assert.False(SelectionStrategies.TryNormalize("greedy", out _));

        var stored = JsonSerializer.Deserialize<RunSettings>("""{"domain":"circle-packing","selection":"ScoreChildProp"}""", Web)!;
        Assert.Equal("score_child_prop", stored.Selection);
        Assert.Equal("latest", JsonSerializer.Deserialize<RunSettings>("""{"domain":"circle-packing","selection":4}""", Web)!.Selection);
        Assert.Contains("\"selection\":\"pareto\"", JsonSerializer.Serialize(stored with { Selection = "pareto" }, Web), StringComparison.Ordinal);

        var error = Assert.Single(new RunSettings { Domain = "circle-packing", Selection = "greedy" }.GetErrors());
        Assert.Contains("pareto, cmp, elo, islands", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Pareto_draws_from_the_undominated_task_leaders_in_proportion_to_the_tasks_they_lead()
    {
        // best per task: t1 0.9 (a, b), t2 0.6 (b), t3 0.8 (c), t4 0 (everyone).
        // led: a {t1,t4} ⊂ b {t1,t2,t4} → a dominated; d {t4} ⊂ b → dominated; c {t3,t4} stays. Weights 0, 3, 2, 0.
        var archive = new SearchArchive(
        [
            Node("a", null, 0, 0.5) with { TaskScores = Tasks(0.9, 0.5, 0.1, 0) },
            Node("b", "a", 1, 0.6) with { TaskScores = Tasks(0.9, 0.6, 0.1, 0) },
            Node("c", "a", 2, 0.4) with { TaskScores = Tasks(0.2, 0.2, 0.8, 0) },
            Node("d", "a", 3, 0.1) with { TaskScores = Tasks(0.1, 0.1, 0.1, 0) },
        ]);
        var input = Input(archive);
        var strategy = SelectionStrategies.Get("pareto");

        var result = strategy.Select(input, new SeededRandom(1));
        Assert.Equal([0, 0.6, 0.4, 0], result.Weights.Select(w => Math.Round(w, 12)));
        var random = new SeededRandom(7);
        var draws = Enumerable.Range(0, 2000).Select(_ => strategy.Select(input, random).Chosen.Id).ToList();
        Assert.DoesNotContain("a", draws);
        Assert.DoesNotContain("d", draws);
        Assert.InRange(draws.Count(d => d == "b") / 2000.0, 0.56, 0.64);
    }

    private static Arbitrary<double[][]> ScoreMatrices() =>
        (from variants in Gen.Choose(1, 8)
         from tasks in Gen.Choose(1, 6)
         from rows in Gen.ArrayOf(Gen.ArrayOf(Gen.Choose(0, 4).Select(x => x / 4.0), tasks), variants)
         select rows).ToArbitrary();

    [Property(MaxTest = 200)]
    public Property Pareto_weights_are_the_tasks_led_and_every_task_keeps_a_leader_in_the_pool() =>
        Prop.ForAll(ScoreMatrices(), rows =>
        {
            var archive = new SearchArchive(rows.Select((r, i) => Node($"v{i}", i == 0 ? null : "v0", i, 0.5) with { TaskScores = Tasks(r) }));
            var fronts = ParetoStrategy.Fronts(Input(archive));
            var best = Enumerable.Range(0, rows[0].Length).Select(t => rows.Max(r => r[t])).ToArray();
            for (var i = 0; i < rows.Length; i++)
            {
                var leads = Enumerable.Range(0, best.Length).Where(t => rows[i][t] >= best[t]).Select(t => $"val/t{t + 1}").ToHashSet();
                var dominated = Enumerable.Range(0, rows.Length).Any(j =>
                {
                    var other = Enumerable.Range(0, best.Length).Where(t => rows[j][t] >= best[t]).Select(t => $"val/t{t + 1}").ToHashSet();
                    return other.Count > leads.Count && other.IsSupersetOf(leads);
                });
                if (!(dominated ? fronts[i].Count == 0 : fronts[i].SetEquals(leads)))
                {
                    return false;
                }
            }

            return Enumerable.Range(0, best.Length).All(t => fronts.Any(f => f.Contains($"val/t{t + 1}")));
        });

    /// <summary>S(.5) → A(.6, improved) → A1(.7, improved), A2 (compile-rejected), A3 (novelty-refused);
    /// S → B(.4, not improved) → B1 (model failure); S → C (ModifySelf failed).</summary>
    private static SearchArchive Clades() => new(
    [
        Node("S", null, 0, 0.5),
        Node("A", "S", 1, 0.6),
        Node("B", "S", 2, 0.4),
        Node("C", "S", 3, null, VariantStatus.Failed("ModifySelf ended exception: boom")),
        Node("A1", "A", 4, 0.7),
        Node("A2", "A", 5, null, VariantStatus.Rejected("compile: CS1002")),
        Node("A3", "A", 6, null, VariantStatus.Rejected("novelty: too close to S")),
        Node("B1", "B", 7, null, VariantStatus.Failed("model: budget-exhausted: spent")),
    ]);

    [Fact]
    public void Clade_metaproductivity_counts_the_descendants_outcomes_and_leaves_out_novelty_refusals_and_model_failures()
    {
        var archive = Clades();
        Assert.Equal((2, 3), CladeStrategy.Counts(archive, "S"));
        Assert.Equal((1, 1), CladeStrategy.Counts(archive, "A"));
        Assert.Equal((0, 0), CladeStrategy.Counts(archive, "B"));
        Assert.Equal((0, 0), CladeStrategy.Counts(archive, "A1"));
    }

    [Fact]
    public void Clade_metaproductivity_picks_each_parent_as_often_as_its_Beta_posterior_is_the_highest()
    {
        // Candidates S, A, B, A1 with θ ~ Beta(3,4), Beta(2,2), Beta(1,1), Beta(1,1).
        // P(i is the maximum) = ∫ f_i(x) Π_{j≠i} F_j(x) dx, integrated on a fine grid.
        var archive = Clades();
        var input = Input(archive);
        Assert.Equal(["S", "A", "B", "A1"], input.Candidates.Select(c => c.Id));
        (int A, int B)[] posteriors = [(3, 4), (2, 2), (1, 1), (1, 1)];
        var expected = MaxProbabilities(posteriors);

        var strategy = SelectionStrategies.Get("cmp");
        var random = new SeededRandom(11);
        const int Draws = 6000;
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < Draws; i++)
        {
            var id = strategy.Select(input, random).Chosen.Id;
            counts[id] = counts.GetValueOrDefault(id) + 1;
        }

        for (var i = 0; i < 4; i++)
        {
            Assert.InRange(counts.GetValueOrDefault(input.Candidates[i].Id) / (double)Draws, expected[i] - 0.025, expected[i] + 0.025);
        }
    }

    private static double[] MaxProbabilities((int A, int B)[] posteriors)
    {
        const int N = 20_000;
        var dx = 1.0 / N;
        var density = posteriors.Select(p => Enumerable.Range(0, N).Select(k =>
        {
            var x = (k + 0.5) * dx;
            return Math.Pow(x, p.A - 1) * Math.Pow(1 - x, p.B - 1) / BetaFunction(p.A, p.B);
        }).ToArray()).ToArray();
        var result = new double[posteriors.Length];
        var cdf = new double[posteriors.Length];
        for (var k = 0; k < N; k++)
        {
            for (var i = 0; i < posteriors.Length; i++)
            {
                var others = 1.0;
                for (var j = 0; j < posteriors.Length; j++)
                {
                    others *= j == i ? 1 : cdf[j] + (density[j][k] * dx / 2);
                }

                result[i] += density[i][k] * others * dx;
            }

            for (var j = 0; j < posteriors.Length; j++)
            {
                cdf[j] += density[j][k] * dx;
            }
        }

        return result;
    }

    private static double BetaFunction(int a, int b) => Factorial(a - 1) * Factorial(b - 1) / Factorial(a + b - 1);

    private static double Factorial(int n) => Enumerable.Range(1, n).Aggregate(1.0, (acc, k) => acc * k);

    [Fact]
    public void Elo_rates_each_parent_by_its_childrens_results_against_other_parents_children_of_the_same_generation()
    {
        var archive = new SearchArchive(
        [
            Node("S", null, 0, 0.5),
            Node("A", "S", 1, 0.6),
            Node("B", "S", 2, 0.4),
            Node("A1", "A", 3, 0.7),
            Node("B1", "B", 4, 0.65),
            Node("A2", "A", 5, null, VariantStatus.Rejected("compile: CS1002")),
            Node("B2", "B", 6, null, VariantStatus.Rejected("novelty: too close to B")),
        ]);

        // Generation 1: A and B share their parent, no match. Generation 2: B1 loses to A1 (E = ½): A 1516, B 1484.
        // A2 (no score) loses to B1: E_A = 1 / (1 + 10^((1484 − 1516)/400)), A −= 32·E_A, B += 32·E_A. B2 is not counted.
        var expectedA = 1 / (1 + Math.Pow(10, (1484.0 - 1516.0) / 400));
        var ratingA = 1516 - (32 * expectedA);
        var ratingB = 1484 + (32 * expectedA);
        var ratings = EloStrategy.Ratings(archive);
        Assert.Equal(ratingA, ratings["A"], 9);
        Assert.Equal(ratingB, ratings["B"], 9);
        Assert.Equal(1500, ratings["S"]);
        Assert.Equal(1500, ratings["A1"]);

        // p ∝ 10^(R/400) over the valid parents S, A, B, A1, B1.
        var input = Input(archive);
        double[] r = [1500, ratingA, ratingB, 1500, 1500];
        var total = r.Sum(x => Math.Pow(10, x / 400));
        var weights = SelectionStrategies.Get("elo").Select(input, new SeededRandom(3)).Weights;
        for (var i = 0; i < r.Length; i++)
        {
            Assert.Equal(Math.Pow(10, r[i] / 400) / total, weights[i], 12);
        }
    }

    /// <summary>N = 2 islands, migration every M = 1 island generation (2 attempts); attempts 1–4 alternate islands.</summary>
    private static SearchArchive Islands() => new(
    [
        Node("S", null, 0, 0.5) with { Features = Features(100, 0) },
        Node("X1", "S", 1, 0.7) with { Features = Features(100, 0.05) },
        Node("X2", "S", 2, 0.3) with { Features = Features(400, 0.5) },
        Node("X3", "X1", 3, 0.2) with { Features = Features(400, 0.9) },
        Node("X4", "X2", 4, 0.9) with { Features = Features(110, 0.1) },
    ]);

    private static Dictionary<string, double> Features(double size, double diversity) =>
        new() { [SearchFeatures.CodeSize] = size, [SearchFeatures.Diversity] = diversity };

    [Fact]
    public void Islands_migrate_the_top_tenth_of_each_island_along_the_ring_every_M_island_generations()
    {
        var options = new SearchOptions(Islands: 2, MigrationInterval: 1);
        var archive = Islands();

        // Before attempt 3: nothing has migrated yet at attempt 2 (the first migration is after attempt 2).
        var early = IslandStrategy.Members(archive, 2, options);
        Assert.Equal(["S", "X1", "X3"], early[0].Order());
        Assert.Equal(["S", "X2", "X4"], early[1].Order());

        // Migration 1 (attempts ≤ 2): island 0's best of {S, X1} is X1 → island 1; island 1's best of {S, X2} is S.
        // Migration 2 (attempts ≤ 4): island 0's best of {S, X1, X3} is X1; island 1's best of {S, X2, X4, X1} is X4 → island 0.
        var late = IslandStrategy.Members(archive, 5, options);
        Assert.Equal(["S", "X1", "X3", "X4"], late[0].Order());
        Assert.Equal(["S", "X1", "X2", "X4"], late[1].Order());
    }

    [Fact]
    public void Islands_draw_20_percent_uniformly_70_percent_from_the_cell_elites_and_10_percent_by_fitness()
    {
        // Attempt 5 works on island 0 = {S, X1, X3, X4}. Bins over code size 100–400 and diversity 0–0.9:
        // S, X1, X4 in cell (0,0) (elite X4, α .9); X3 in (3,3) (elite X3). Σα = 2.3.
        var input = Input(Islands(), attempt: 5, new SearchOptions(Islands: 2, MigrationInterval: 1));
        double[] expected =
        [
            (0.2 / 4) + (0.1 * 0.5 / 2.3),
            (0.2 / 4) + (0.1 * 0.7 / 2.3),
            0,
            (0.2 / 4) + (0.7 / 2) + (0.1 * 0.2 / 2.3),
            (0.2 / 4) + (0.7 / 2) + (0.1 * 0.9 / 2.3),
        ];
        Assert.Equal(["S", "X1", "X2", "X3", "X4"], input.Candidates.Select(c => c.Id));
        var result = SelectionStrategies.Get("islands").Select(input, new SeededRandom(5));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], result.Weights[i], 12);
        }

        Assert.Contains("island 1 of 2", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_model_bandit_tries_every_model_once_then_takes_the_highest_UCB1_index()
    {
        string[] arms = ["m1", "m2", "m3"];
        var nodes = new List<SearchNode>
        {
            Node("S", null, 0, 0.5),
            Node("a", "S", 1, 0.6) with { Arm = "m1" },
            Node("b", "S", 2, 0.4) with { Arm = "m1" },
            Node("c", "S", 3, 0.7) with { Arm = "m2" },
            Node("d", "S", 4, null) with { Arm = "m2" }, // accepted, not evaluated yet: no pull
        };
        var first = ModelBandit.Choose(arms, new SearchArchive(nodes), new SeededRandom(1))!;
        Assert.Equal(("m3", 2), (first.Name, first.Arm));
        Assert.Equal([(2, 1), (1, 1), (0, 0)], ModelBandit.Tally(arms, new SearchArchive(nodes)));

        nodes.Add(Node("e", "S", 5, null, VariantStatus.Rejected("novelty: too close to S")) with { Arm = "m3" });
        var archive = new SearchArchive(nodes);
        var tally = ModelBandit.Tally(arms, archive);
        Assert.Equal([(2, 1), (1, 1), (1, 0)], tally);
        double[] expected = [0.5 + Math.Sqrt(2 * Math.Log(4) / 2), 1 + Math.Sqrt(2 * Math.Log(4)), Math.Sqrt(2 * Math.Log(4))];
        Assert.Equal(expected, ModelBandit.Indices(tally));
        Assert.Equal("m2", ModelBandit.Choose(arms, archive, new SeededRandom(1))!.Name);

        Assert.Null(ModelBandit.Choose([], archive, new SeededRandom(1)));
    }

    [Fact]
    public void Novelty_compares_the_changed_files_as_token_bags_ignoring_comments_and_layout()
    {
        // {a:2, b:1} against {a:1, c:1}: Σmin = 1, Σmax = 2 + 1 + 1 = 4.
        Assert.Equal(0.25, CodeTokens.Similarity(CodeTokens.Bag("a b a"), CodeTokens.Bag("a c")));
        Assert.Equal(1, CodeTokens.Similarity(CodeTokens.Bag("x = 1; // one"), CodeTokens.Bag("x   =\n1; /* the\nsame */")));

        var parent = new Dictionary<string, string> { ["task/Agent.cs"] = "return 0.9;", ["meta/Meta.cs"] = "m();" };
        var child = new Dictionary<string, string> { ["task/Agent.cs"] = "return 0.95;", ["meta/Meta.cs"] = "m();" };
        var twin = new Dictionary<string, string> { ["task/Agent.cs"] = "return 0.95; // same", ["meta/Meta.cs"] = "other();" };
        Assert.Equal(["task/Agent.cs"], NoveltyFilter.ChangedPaths(parent, child));
        var closest = NoveltyFilter.Closest(parent, child, [("parent", parent), ("twin", twin)]);
        Assert.Equal(("twin", 1.0), closest);
        // Against the parent: {return, 0.95, ;} vs {return, 0.9, ;} → 2 / 4.
        Assert.Equal(0.5, NoveltyFilter.Similarity(child, parent, ["task/Agent.cs"]));
    }
}
