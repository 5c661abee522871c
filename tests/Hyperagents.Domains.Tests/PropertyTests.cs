using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Hyperagents.Domains;

namespace Hyperagents.Domains.Tests;

public sealed class PropertyTests
{
    private static readonly PackageDomain Packing = Shipped.Domain("circle-packing");
    private static readonly PackageDomain Heilbronn = Shipped.Domain("heilbronn-triangle");
    private static readonly PackageDomain Autocorrelation = Shipped.Domain("first-autocorrelation");
    private static readonly PackageDomain Kissing = Shipped.Domain("kissing-number");

    [Property(MaxTest = 60)]
    public bool Shrinking_the_published_packing_towards_a_corner_keeps_it_valid_and_scales_the_sum(PositiveInt seed)
    {
        var factor = 0.5 + (seed.Get % 1000) / 2000.0; // in [0.5, 1)
        var circles = Some.Circles(26).Select(c => new[] { c[0] * factor, c[1] * factor, c[2] * factor * (1 - 1e-12) }).ToArray();

        var result = Packing.Evaluate(Some.Task(Packing, "n26"), Some.CircleAnswer(circles));

        return result.Valid && Math.Abs(result.Raw!.Value - Shipped.Reference26 * factor) < 1e-9;
    }

    [Property(MaxTest = 60)]
    public bool Moving_one_circle_onto_another_is_rejected(PositiveInt a, PositiveInt b)
    {
        var i = a.Get % 26;
        var j = b.Get % 26;
        if (i == j)
        {
            return true;
        }

        var circles = Some.Circles(26);
        circles[i] = [circles[j][0], circles[j][1], circles[i][2] * 0.01];

        return !Packing.Evaluate(Some.Task(Packing, "n26"), Some.CircleAnswer(circles)).Valid;
    }

    [Property(MaxTest = 80)]
    public bool A_point_shifted_outside_the_triangle_is_rejected(PositiveInt which, PositiveInt edge, PositiveInt distance)
    {
        var points = Some.HeilbronnPoints();
        var k = which.Get % points.Length;
        var d = 1e-9 + (distance.Get % 1000) * 1e-4;
        points[k] = (edge.Get % 3) switch
        {
            0 => [0.5, -d],
            1 => [0.25 - d * Math.Sqrt(3) / 2, Math.Sqrt(3) / 4 + d / 2], // outward normal of the left edge
            _ => [0.75 + d * Math.Sqrt(3) / 2, Math.Sqrt(3) / 4 + d / 2], // outward normal of the right edge
        };

        var result = Heilbronn.Evaluate(Some.Task(Heilbronn, "n11"), Some.PointAnswer(points));

        return !result.Valid && result.Feedback.Contains($"point {k} ", StringComparison.Ordinal);
    }

    [Property(MaxTest = 60)]
    public bool Any_answer_with_a_negative_height_is_invalid_and_any_positive_one_is_valid_with_c1_at_least_one(PositiveInt seed)
    {
        var random = new Random(seed.Get);
        var heights = Enumerable.Range(0, 25).Select(_ => random.NextDouble() * 10).ToArray();

        var positive = Autocorrelation.Evaluate(Some.Task(Autocorrelation, "n25"), Some.HeightAnswer(heights));
        heights[random.Next(25)] = -random.NextDouble() - 1e-300;
        var negative = Autocorrelation.Evaluate(Some.Task(Autocorrelation, "n25"), Some.HeightAnswer(heights));

        // Any f supported on an interval of length 1/2 has max(f*f) >= (∫f)² / (1/2)·... >= 1, so C1 >= 1.
        return positive.Valid && positive.Raw >= 1 && !negative.Valid && negative.Score == 0;
    }

    [Property(MaxTest = 40)]
    public bool Integer_scaling_and_signed_permutation_of_a_valid_kissing_set_keep_it_valid(PositiveInt scale, PositiveInt seed)
    {
        var random = new Random(seed.Get);
        var permutation = Enumerable.Range(0, 5).OrderBy(_ => random.Next()).ToArray();
        var signs = Enumerable.Range(0, 5).Select(_ => random.Next(2) == 0 ? -1L : 1L).ToArray();
        var factor = (long)scale.Get;
        var vectors = Some.RootsD(5).Select(v => permutation.Select((p, k) => v[p] * signs[k] * factor).ToArray()).ToList();

        var result = Kissing.Evaluate(Some.Task(Kissing, "d5"), Some.VectorAnswer(vectors));

        return result.Valid && result.Raw == 40;
    }
}
