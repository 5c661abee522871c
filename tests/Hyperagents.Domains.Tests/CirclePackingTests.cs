using Hyperagents.Domains;

namespace Hyperagents.Domains.Tests;

public sealed class CirclePackingTests
{
    private readonly PackageDomain _domain = Shipped.Domain("circle-packing");

    [Theory]
    [InlineData(26, 2.6358627564136983)]
    [InlineData(32, 2.937944526205518)]
    public void Published_construction_is_valid_and_reproduces_its_sum(int n, double published)
    {
        var result = _domain.Evaluate(Some.Task(_domain, $"n{n}"), Some.CircleAnswer(Some.Circles(n)));

        Assert.True(result.Valid, result.Feedback);
        Assert.Equal(published, result.Raw!.Value, 1e-12);
        Assert.Equal(1.0, result.Score, 1e-12);
        Assert.Equal(published, _domain.GetReference(Some.Task(_domain, $"n{n}")));
    }

    [Fact]
    public void Claimed_score_fields_are_ignored()
    {
        var circles = Some.Circles(26);
        var answer = Some.CircleAnswer(circles).TrimEnd('}') + ", \"score\": 99, \"sum_of_radii\": 99}";

        var result = _domain.Evaluate(Some.Task(_domain, "n26"), answer);

        Assert.True(result.Valid);
        Assert.Equal(circles.Sum(c => c[2]), result.Raw!.Value, 1e-12);
        Assert.True(result.Score < 1.0 + 1e-9);
    }

    [Fact]
    public void Overlapping_circles_are_rejected_with_the_pair_and_amount()
    {
        var circles = Some.Circles(26);
        circles[14][2] += 1e-3; // grow the central circle into its neighbours

        var result = _domain.Evaluate(Some.Task(_domain, "n26"), Some.CircleAnswer(circles));

        Assert.False(result.Valid);
        Assert.Equal(0, result.Score);
        Assert.Null(result.Raw);
        Assert.Matches(@"circles (14 and \d+|\d+ and 14) overlap", result.Feedback);
        Assert.Contains("overlap by", result.Feedback, StringComparison.Ordinal);
    }

    [Fact]
    public void Overlap_far_below_double_display_precision_is_still_caught_exactly()
    {
        // Two circles touching exactly, then one radius nudged up by one ulp.
        var circles = Some.GridPacking(20);
        circles[0] = [0.25, 0.25, 0.25];
        circles[1] = [0.75, 0.25, 0.25];
        var others = Enumerable.Range(0, 18).Select(i => new[] { 0.05 + 0.05 * (i % 9) * 2, 0.6 + 0.2 * (i / 9), 0.01 }).ToArray();
        var valid = circles.Take(2).Concat(others).ToArray();
        Assert.True(_domain.Evaluate(Some.Task(_domain, "n20"), Some.CircleAnswer(valid)).Valid);

        valid[1] = [Math.BitDecrement(0.75), 0.25, 0.25];
        var result = _domain.Evaluate(Some.Task(_domain, "n20"), Some.CircleAnswer(valid));

        Assert.False(result.Valid);
        Assert.Contains("circles 0 and 1 overlap", result.Feedback, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.95, 0.5, 0.1, "crosses x = 1")]
    [InlineData(0.05, 0.5, 0.1, "crosses x = 0")]
    [InlineData(0.5, 0.01, 0.02, "crosses y = 0")]
    [InlineData(0.5, 1.0, 0.001, "crosses y = 1")]
    public void Circle_outside_the_square_is_rejected(double x, double y, double r, string expected)
    {
        var circles = Some.GridPacking(20);
        circles[7] = [x, y, r];
        // keep the moved circle clear of the others by shrinking them
        foreach (var c in circles.Where((_, i) => i != 7))
        {
            c[2] = 1e-6;
        }

        var result = _domain.Evaluate(Some.Task(_domain, "n20"), Some.CircleAnswer(circles));

        Assert.False(result.Valid);
        Assert.Contains($"circle 7", result.Feedback, StringComparison.Ordinal);
        Assert.Contains(expected, result.Feedback, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.01)]
    public void Non_positive_radius_is_rejected(double r)
    {
        var circles = Some.GridPacking(20);
        circles[4][2] = r;

        var result = _domain.Evaluate(Some.Task(_domain, "n20"), Some.CircleAnswer(circles));

        Assert.False(result.Valid);
        Assert.Contains("circle 4 has radius", result.Feedback, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(25)]
    [InlineData(27)]
    [InlineData(0)]
    public void Wrong_count_is_rejected(int count)
    {
        var result = _domain.Evaluate(Some.Task(_domain, "n26"), Some.CircleAnswer(Some.GridPacking(Math.Max(count, 1)).Take(count)));

        Assert.False(result.Valid);
        Assert.Contains($"expected exactly 26 circles, got {count}", result.Feedback, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("1e400")]
    [InlineData("\"0.5\"")]
    [InlineData("null")]
    public void Non_finite_or_non_numeric_values_are_rejected(string token)
    {
        var text = Some.CircleAnswer(Some.GridPacking(20));
        var first = text.IndexOf("0.1", StringComparison.Ordinal);
        var answer = string.Concat(text.AsSpan(0, first), token, text.AsSpan(first + 3));

        var result = _domain.Evaluate(Some.Task(_domain, "n20"), answer);

        Assert.False(result.Valid);
        Assert.Equal(0, result.Score);
    }

    [Fact]
    public void Row_with_wrong_arity_is_rejected()
    {
        var circles = Some.GridPacking(20).Select(c => c).ToArray();
        circles[2] = [0.5, 0.5];

        var result = _domain.Evaluate(Some.Task(_domain, "n20"), Some.CircleAnswer(circles));

        Assert.False(result.Valid);
        Assert.Contains("circles[2] has 2 numbers; expected 3", result.Feedback, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_fence_and_whitespace_around_the_json_are_tolerated()
    {
        var answer = "```json\n" + Some.CircleAnswer(Some.GridPacking(20)) + "\n```\n";

        Assert.True(_domain.Evaluate(Some.Task(_domain, "n20"), answer).Valid);
    }

    [Fact]
    public void Task_of_another_domain_is_a_caller_error()
    {
        var foreign = Shipped.Domain("heilbronn-triangle").GetTasks(Split.Val)[0];

        Assert.Throws<ArgumentException>(() => _domain.Evaluate(foreign, "{}"));
    }
}
