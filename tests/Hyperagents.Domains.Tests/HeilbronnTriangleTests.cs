using Hyperagents.Domains;

namespace Hyperagents.Domains.Tests;

public sealed class HeilbronnTriangleTests
{
    private readonly PackageDomain _domain = Shipped.Domain("heilbronn-triangle");

    [Fact]
    public void Published_construction_is_valid_and_reproduces_its_figure()
    {
        var result = _domain.Evaluate(Some.Task(_domain, "n11"), Some.PointAnswer(Some.HeilbronnPoints()));

        Assert.True(result.Valid, result.Feedback);
        Assert.Equal(0.036529889880030156, result.Raw!.Value, 1e-15);
        Assert.Equal(1.0, result.Score, 1e-12);
    }

    [Fact]
    public void Claimed_score_is_ignored()
    {
        var points = Some.HeilbronnPoints();
        points[2] = [0.5, 0.3]; // a worse configuration
        var answer = Some.PointAnswer(points).TrimEnd('}') + ", \"score\": 99, \"min_area\": 1}";

        var result = _domain.Evaluate(Some.Task(_domain, "n11"), answer);

        Assert.True(result.Valid);
        Assert.True(result.Raw < 0.036529889880030156);
        Assert.True(result.Score < 1);
    }

    [Theory]
    [InlineData(0.5, -1e-9, "below the edge y = 0")]
    [InlineData(0.1, 0.5, "left of the edge")]
    [InlineData(0.9, 0.5, "right of the edge")]
    [InlineData(0.5, 0.8661, "left of the edge")]
    public void Point_outside_the_triangle_is_rejected(double x, double y, string edge)
    {
        var points = Some.HeilbronnPoints();
        points[4] = [x, y];

        var result = _domain.Evaluate(Some.Task(_domain, "n11"), Some.PointAnswer(points));

        Assert.False(result.Valid);
        Assert.Contains("point 4", result.Feedback, StringComparison.Ordinal);
        Assert.Contains(edge, result.Feedback, StringComparison.Ordinal);
    }

    [Fact]
    public void Vertices_as_doubles_are_inside_within_the_stated_tolerance()
    {
        var points = Some.HeilbronnPoints();
        points[0] = [0, 0];
        points[1] = [1, 0];
        points[2] = [0.5, Math.Sqrt(3) / 2];

        Assert.True(_domain.Evaluate(Some.Task(_domain, "n11"), Some.PointAnswer(points)).Valid);
    }

    [Fact]
    public void Collinear_points_are_valid_but_score_zero()
    {
        var points = Some.HeilbronnPoints();
        points[0] = [0.2, 0.1];
        points[1] = [0.4, 0.1];
        points[2] = [0.6, 0.1];

        var result = _domain.Evaluate(Some.Task(_domain, "n11"), Some.PointAnswer(points));

        Assert.True(result.Valid);
        Assert.Equal(0, result.Raw);
        Assert.Equal(0, result.Score);
        Assert.Contains("collinear", result.Feedback, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(12)]
    public void Wrong_count_is_rejected(int count)
    {
        var points = Enumerable.Range(0, count).Select(i => new[] { 0.3 + 0.01 * i, 0.1 + 0.001 * i * i }).ToArray();

        var result = _domain.Evaluate(Some.Task(_domain, "n11"), Some.PointAnswer(points));

        Assert.False(result.Valid);
        Assert.Contains($"expected exactly 11 points, got {count}", result.Feedback, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1e999")]
    public void Non_finite_coordinate_is_rejected(string token)
    {
        var answer = Some.PointAnswer(Some.HeilbronnPoints()).Replace("0.855969059106645", token, StringComparison.Ordinal);

        var result = _domain.Evaluate(Some.Task(_domain, "n11"), answer);

        Assert.False(result.Valid);
    }
}
