namespace Hyperagents.Archive.Tests;

/// <summary>The one rule for printing a run's scores: enough decimals to tell its variants apart, the standard error, and
/// the domain's raw figure; and a re-evaluation of one split leaves the others shown.</summary>
public sealed class ScoreFormatTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_circle_packing_runs_variants_print_apart_with_the_fewest_decimals_that_separate_them()
    {
        // The run: 0.9883 … 0.9922 all printed "0.99".
        Assert.Equal(["0.988", "0.990", "0.992"], Print(ScoreFormat.For([0.9883, 0.9901, 0.9922]), 0.9883, 0.9901, 0.9922));
        Assert.Equal(["0.9883", "0.9884"], Print(ScoreFormat.For([0.98831, 0.98839]), 0.98831, 0.98839));
        // Two values that round together at 4 decimals but differ at 5.
        Assert.Equal(5, ScoreFormat.For([0.98836, 0.98844]).Decimals);
    }

    [Fact]
    public void Decimals_stay_between_three_and_six()
    {
        Assert.Equal(ScoreFormat.MinDecimals, ScoreFormat.For([0.25, 0.5]).Decimals);
        Assert.Equal(ScoreFormat.MinDecimals, ScoreFormat.For(Array.Empty<double>()).Decimals);
        Assert.Equal(ScoreFormat.MaxDecimals, ScoreFormat.For([0.9, 0.9 + 1e-9]).Decimals);
        Assert.Equal("-", ScoreFormat.Default.Number(double.NaN));
    }

    [Fact]
    public void A_split_shows_its_standard_error_and_its_raw_figure_per_task()
    {
        var split = new SplitEvaluation(0.99113, [
            new TaskEvaluation("n26", 0.991, "completed", Raw: 2.6125, Replicate: 0),
            new TaskEvaluation("n26", 0.992, "completed", Raw: 2.6135, Replicate: 1),
            new TaskEvaluation("n28", 0.990, "completed", Raw: 2.7201, Replicate: 0),
            new TaskEvaluation("n28", 0, "invalid-answer", Replicate: 1),
        ], StdErr: 0.00041);

        Assert.Equal("0.99113±0.00041 (Σr n26 2.613, n28 2.7201)", ScoreFormat.For([0.99113, 0.99114]).Split(split, "Σr"));
        // A standard error too small for the run's decimals keeps one significant digit rather than print as zero.
        Assert.Equal("0.991±0.0004", ScoreFormat.Default.Split(split, null));
        Assert.Equal("0.991±0.002", ScoreFormat.Default.Score(0.991, 0.0021));
    }

    [Fact]
    public void A_split_of_many_tasks_shows_the_mean_raw_figure_invalid_draws_counting_zero()
    {
        var tasks = Enumerable.Range(0, 8).Select(i => new TaskEvaluation($"q{i}", i < 6 ? 1 : 0, i < 7 ? "completed" : "invalid-answer", Raw: i < 7 ? (i < 6 ? 1 : 0) : null)).ToList();
        Assert.Equal("accuracy mean 0.75", ScoreFormat.Raw(new SplitEvaluation(0.75, tasks), "accuracy"));
        Assert.Null(ScoreFormat.Raw(new SplitEvaluation(0.75, [new TaskEvaluation("q", 1, "completed")]), "accuracy"));
    }

    [Fact]
    public void Evaluating_the_test_split_alone_leaves_train_and_val_shown()
    {
        using var run = ArchiveRun.Create(_temp.Combine("archive", "demo"), Some.Manifest(), Some.FastOptions);
        var seed = run.AddVariant(Some.Variant(Some.SeedFiles()));
        run.AttachEvaluation(seed, Some.Evaluation(0.5, 0.4));
        run.AttachEvaluation(seed, new Evaluation
        {
            EvaluatorHash = "eval-123",
            Splits = new Dictionary<string, SplitEvaluation> { ["test"] = new(0.3, [new TaskEvaluation("x1", 0.3, "ok")]) },
        });

        Assert.Equal(new Dictionary<string, double> { ["train"] = 0.5, ["val"] = 0.4, ["test"] = 0.3 }, run.GetVariant(seed).Scores);
        Assert.Equal("test=0.300 train=0.500 val=0.400", ScoreFormat.Default.Splits(run.GetVariant(seed).Scores, run.GetEvaluations(seed)));
        Assert.True(run.Verify().Ok, string.Join("\n", run.Verify().Problems));

        // Reopened from the journal, the same.
        run.Dispose();
        using var reopened = ArchiveRun.Open(_temp.Combine("archive", "demo"), Some.FastOptions);
        Assert.Equal(3, reopened.GetVariant(seed).Scores.Count);
        Assert.Empty(reopened.IntegrityProblems);
    }

    private static string[] Print(ScoreFormat format, params double[] values) => values.Select(format.Number).ToArray();
}
