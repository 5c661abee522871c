using Hyperagents.Archive;

namespace Hyperagents.Reporting.Tests;

/// <summary>imp@k and its interval against values computed by hand on fixed curves.</summary>
public sealed class ExperimentStatisticsTests
{
    // Three seeds of one arm, five generations each: imp@5 = 0.20, 0.10, 0.30.
    private static readonly ExperimentCell[] Fixed =
    [
        new("a", 1, "a-seed1", [0.50, 0.50, 0.60, 0.60, 0.70, 0.70], 6, 100),
        new("a", 2, "a-seed2", [0.40, 0.45, 0.45, 0.45, 0.45, 0.50], 5, 50),
        new("a", 3, "a-seed3", [0.55, 0.55, 0.55, 0.85, 0.85, 0.85], 4, 0),
        new("b", 1, "b-seed1", [0.50, 0.55, 0.55], 3, 0),
    ];

    [Theory]
    [InlineData(1, 12.7062047361747)]
    [InlineData(2, 4.30265272974946)]
    [InlineData(4, 2.77644510519779)]
    [InlineData(10, 2.22813885198627)]
    [InlineData(29, 2.04522964213270)]
    [InlineData(100, 1.98397151852355)]
    public void The_t_quantile_matches_the_published_table(int df, double expected) =>
        Assert.Equal(expected, StudentT.Quantile(0.975, df), 9);

    [Fact]
    public void Imp_at_k_is_the_best_after_k_generations_minus_the_seed_and_missing_past_the_last_attempt()
    {
        Assert.Equal(0.20, Fixed[0].ImpAt(5)!.Value, 12);
        Assert.Equal(0.10, Fixed[0].ImpAt(2)!.Value, 12);
        Assert.Equal(0.0, Fixed[0].ImpAt(0)!.Value, 12);
        Assert.Null(Fixed[3].ImpAt(5));
        Assert.Null(new ExperimentCell("c", 1, "c", [null, 0.4], 1, 0).ImpAt(1));
    }

    [Fact]
    public void The_interval_is_the_mean_plus_or_minus_t_times_the_standard_error_over_the_seeds_that_reached_k()
    {
        var rows = ExperimentStatistics.Summaries(Fixed, [2, 5]);

        var a5 = rows.Single(r => r.Arm == "a" && r.K == 5);
        Assert.Equal(3, a5.Imp!.N);
        Assert.Equal(0.2, a5.Imp.Mean, 12);
        // s = 0.1, t(0.975, 2) = 4.302653: 4.302653 · 0.1 / √3.
        Assert.Equal(0.248413771184375, a5.Imp.HalfWidth!.Value, 9);
        Assert.Equal(15, a5.Evaluations);
        Assert.Equal(150, a5.Tokens);

        // imp@2 = 0.10, 0.05, 0.00: mean 0.05, s = 0.05, half = 4.302653 · 0.05 / √3.
        var a2 = rows.Single(r => r.Arm == "a" && r.K == 2);
        Assert.Equal(0.05, a2.Imp!.Mean, 12);
        Assert.Equal(0.124206885592188, a2.Imp.HalfWidth!.Value, 9);

        // One seed: a mean without an interval; no seed reached k: no value at all.
        var b2 = rows.Single(r => r.Arm == "b" && r.K == 2);
        Assert.Equal(1, b2.Imp!.N);
        Assert.Null(b2.Imp.HalfWidth);
        Assert.Null(rows.Single(r => r.Arm == "b" && r.K == 5).Imp);
    }

    [Fact]
    public void The_best_so_far_curve_follows_attempt_order_and_counts_only_accepted_variants()
    {
        VariantSummary V(string id, string? parent, long sequence, VariantStatus status, string split, double score) =>
            new(id.PadRight(40, '0'), parent, parent is null ? 0 : 1, sequence, status, new Dictionary<string, double> { [split] = score }, 1, 0, false, false);
        var seed = V("a", null, 0, VariantStatus.Accepted, "val", 0.5);
        var variants = new[]
        {
            V("d", seed.Id, 3, VariantStatus.Accepted, "val", 0.7),
            V("b", seed.Id, 1, new VariantStatus(VariantState.Rejected, "gate"), "val", 0.9),
            seed,
            V("c", seed.Id, 2, VariantStatus.Accepted, "staged", 0.3),
        };

        Assert.Equal([0.5, 0.5, 0.5, 0.7], ExperimentStatistics.BestAfter(variants));
    }

    [Theory]
    [InlineData(2, new[] { 2 })]
    [InlineData(10, new[] { 5, 10 })]
    [InlineData(30, new[] { 5, 10, 25, 30 })]
    [InlineData(50, new[] { 5, 10, 25, 50 })]
    [InlineData(80, new[] { 5, 10, 25, 50, 80 })]
    public void The_reported_k_are_the_standard_ones_reached_and_the_experiments_own(int generations, int[] expected) =>
        Assert.Equal(expected, ExperimentStatistics.KsFor(generations));

    [Fact]
    public void The_csv_has_one_row_per_cell_and_k_and_one_summary_row_per_arm_and_k()
    {
        var cells = ExperimentStatistics.CellsCsv(Fixed, [5]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("arm,seed,run,k,start,best,imp,evaluations,tokens", cells[0]);
        Assert.Equal(5, cells.Length);
        Assert.Equal("a,1,a-seed1,5,0.5,0.7,0.19999999999999996,6,100", cells[1]);
        Assert.Equal("b,1,b-seed1,5,0.5,,,3,0", cells[4]);

        var summary = ExperimentStatistics.SummaryCsv(ExperimentStatistics.Summaries(Fixed, [5])).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("arm,k,n,mean,ci95_half_width,ci95_low,ci95_high,evaluations,tokens", summary[0]);
        Assert.StartsWith("a,5,3,0.19999999999999996,0.24841377", summary[1], StringComparison.Ordinal);
        Assert.Equal("b,5,0,,,,,3,0", summary[2]);
    }
}
