using System.Text;
using Hyperagents.Domains;

namespace Hyperagents.Domains.Tests;

/// <summary>The exact re-check (<see cref="IExactCheck"/>): every tolerance at zero, the same verdict otherwise.</summary>
public sealed class ExactCheckTests
{
    [Fact]
    public void Every_built_in_domain_offers_the_exact_re_check()
    {
        Assert.All(Shipped.Math(), d => Assert.IsAssignableFrom<IExactCheck>(d));
    }

    [Fact]
    public void A_heilbronn_point_just_outside_the_triangle_passes_the_tolerance_but_not_the_exact_check()
    {
        var domain = Shipped.Domain("heilbronn-triangle");
        var task = Some.Task(domain, "n11");
        var points = Inside(Some.HeilbronnPoints());
        points[4] = [0.5, -1e-13];
        var answer = Some.PointAnswer(points);

        Assert.True(domain.Evaluate(task, answer).Valid);
        var exact = domain.EvaluateExact(task, answer);
        Assert.False(exact.Valid);
        Assert.Contains("point 4", exact.Feedback, StringComparison.Ordinal);
    }

    [Fact]
    public void A_heilbronn_answer_strictly_inside_scores_the_same_when_checked_exactly()
    {
        var domain = Shipped.Domain("heilbronn-triangle");
        var task = Some.Task(domain, "n11");
        var answer = Some.PointAnswer(Inside(Some.HeilbronnPoints()));

        Assert.True(domain.Evaluate(task, answer).Valid);
        Assert.Equal(domain.Evaluate(task, answer), domain.EvaluateExact(task, answer));
    }

    [Fact]
    public void The_published_heilbronn_construction_rounded_onto_an_edge_is_outside_when_checked_exactly()
    {
        // Point 8 lies on the edge y = √3·x; its doubles land about 1e-17 outside: inside the stated 1e-12 tolerance,
        // outside the triangle.
        var domain = Shipped.Domain("heilbronn-triangle");
        var task = Some.Task(domain, "n11");
        var answer = Some.PointAnswer(Some.HeilbronnPoints());

        Assert.True(domain.Evaluate(task, answer).Valid);
        Assert.Contains("point 8", domain.EvaluateExact(task, answer).Feedback, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.5, 0.0, true)]
    [InlineData(0.0, 0.0, true)]
    [InlineData(1.0, 0.0, true)]
    [InlineData(0.25, 0.4330127018922193, true)] // √3/4 as a double lies below the edge y = √3·x
    [InlineData(0.25, 0.43301270189221935, false)] // the next double up lies above it
    [InlineData(-1e-300, 0.0, false)]
    [InlineData(1.0000000000000002, 0.0, false)]
    public void Containment_is_decided_exactly_on_the_edges(double x, double y, bool inside)
    {
        var domain = Shipped.Domain("heilbronn-triangle");
        var task = Some.Task(domain, "n11");
        var points = Inside(Some.HeilbronnPoints());
        points[4] = [x, y];

        Assert.Equal(inside, domain.EvaluateExact(task, Some.PointAnswer(points)).Valid);
    }

    [Fact]
    public void A_numeric_dataset_answer_inside_the_tolerance_is_wrong_when_checked_exactly()
    {
        var domain = DatasetDomains.Open("""{"input": "q", "expected": "0.1", "split": "val", "match": "numeric"}""");
        var task = domain.GetTasks(Split.Val)[0];

        Assert.True(domain.Evaluate(task, "0.1000000000001").Score == 1);
        Assert.Equal(0, domain.EvaluateExact(task, "0.1000000000001").Score);
        Assert.Equal(1, domain.EvaluateExact(task, "0.1").Score);
    }

    /// <summary>The points moved a relative 1e-9 towards the centroid, so that none lies on an edge.</summary>
    private static double[][] Inside(double[][] points)
    {
        var (cx, cy) = (0.5, Math.Sqrt(3) / 6);
        return points.Select(p => new[] { cx + (p[0] - cx) * (1 - 1e-9), cy + (p[1] - cy) * (1 - 1e-9) }).ToArray();
    }
}
