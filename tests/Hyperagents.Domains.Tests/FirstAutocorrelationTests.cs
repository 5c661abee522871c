using Hyperagents.Domains;

namespace Hyperagents.Domains.Tests;

public sealed class FirstAutocorrelationTests
{
    private readonly PackageDomain _domain = Shipped.Domain("first-autocorrelation");

    [Fact]
    public void Published_construction_reproduces_its_c1()
    {
        var result = _domain.Evaluate(Some.Task(_domain, "n600"), Some.HeightAnswer(Some.AutocorrelationHeights()));

        Assert.True(result.Valid, result.Feedback);
        Assert.Equal(1.5052939684401587, result.Raw!.Value, 1e-12);
        Assert.Equal(1.0, result.Score, 1e-12);
        Assert.False(_domain.HigherIsBetter);
    }

    [Fact]
    public void Constant_function_has_c1_of_exactly_two()
    {
        // h ≡ 1: the discrete self-convolution peaks at n, so C1 = 2n·n/n² = 2 exactly.
        var result = _domain.Evaluate(Some.Task(_domain, "n25"), Some.HeightAnswer(Enumerable.Repeat(3.0, 25)));

        Assert.True(result.Valid);
        Assert.Equal(2.0, result.Raw);
        Assert.Equal(Shipped.AutocorrelationReference / 2.0, result.Score, 1e-15);
    }

    [Fact]
    public void C1_is_invariant_under_scaling_the_heights()
    {
        var heights = Some.AutocorrelationHeights();

        var a = _domain.Evaluate(Some.Task(_domain, "n600"), Some.HeightAnswer(heights)).Raw;
        var b = _domain.Evaluate(Some.Task(_domain, "n600"), Some.HeightAnswer(heights.Select(h => h * 1024))).Raw;

        Assert.Equal(a, b);
    }

    [Fact]
    public void Negative_height_is_rejected()
    {
        var heights = Enumerable.Repeat(1.0, 25).ToArray();
        heights[7] = -0.5;

        var result = _domain.Evaluate(Some.Task(_domain, "n25"), Some.HeightAnswer(heights));

        Assert.False(result.Valid);
        Assert.Contains("values[7] = -0.5 is negative", result.Feedback, StringComparison.Ordinal);
    }

    [Fact]
    public void All_zero_is_rejected()
    {
        var result = _domain.Evaluate(Some.Task(_domain, "n25"), Some.HeightAnswer(new double[25]));

        Assert.False(result.Valid);
        Assert.Contains("all heights are zero", result.Feedback, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1e309")]
    [InlineData("true")]
    public void Non_finite_height_is_rejected(string token)
    {
        var answer = "{\"values\": [" + token + string.Concat(Enumerable.Repeat(", 1", 24)) + "]}";

        Assert.False(_domain.Evaluate(Some.Task(_domain, "n25"), answer).Valid);
    }

    [Fact]
    public void Wrong_count_is_rejected()
    {
        var result = _domain.Evaluate(Some.Task(_domain, "n50"), Some.HeightAnswer(Enumerable.Repeat(1.0, 25)));

        Assert.False(result.Valid);
        Assert.Contains("expected exactly 50 step heights, got 25", result.Feedback, StringComparison.Ordinal);
    }

    [Fact]
    public void Claimed_c1_is_ignored()
    {
        var answer = Some.HeightAnswer(Enumerable.Repeat(1.0, 25)).TrimEnd('}') + ", \"c1\": 1.0, \"score\": 99}";

        Assert.Equal(2.0, _domain.Evaluate(Some.Task(_domain, "n25"), answer).Raw);
    }

    [Fact]
    public void Exact_c1_agrees_with_a_direct_double_computation()
    {
        var heights = Enumerable.Range(0, 100).Select(i => 1 + Math.Sin(i * 0.37) * 0.9).ToArray();
        var n = heights.Length;
        var best = 0.0;
        for (var k = 0; k < 2 * n - 1; k++)
        {
            var s = 0.0;
            for (var i = Math.Max(0, k - n + 1); i <= Math.Min(k, n - 1); i++)
            {
                s += heights[i] * heights[k - i];
            }

            best = Math.Max(best, s);
        }

        var expected = 2 * n * best / (heights.Sum() * heights.Sum());

        Assert.Equal(expected, _domain.Evaluate(Some.Task(_domain, "n100"), Some.HeightAnswer(heights)).Raw!.Value, 1e-12);
    }
}
