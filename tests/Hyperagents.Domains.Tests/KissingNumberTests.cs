using Hyperagents.Domains;

namespace Hyperagents.Domains.Tests;

public sealed class KissingNumberTests
{
    private readonly PackageDomain _domain = Shipped.Domain("kissing-number");

    [Fact]
    public void Published_construction_is_valid_with_593_vectors()
    {
        var answer = "{\"vectors\": " + Some.KissingVectorsJson() + "}";

        var result = _domain.Evaluate(Some.Task(_domain, "d11"), answer);

        Assert.True(result.Valid, result.Feedback);
        Assert.Equal(593, result.Raw);
        Assert.Equal(1.0, result.Score, 1e-12);
    }

    [Fact]
    public void Coordinates_beyond_two_to_the_53_are_read_exactly()
    {
        // 2^53 + 1 is not a double; read through a double it would equal 2^53 and make these two vectors duplicates.
        var answer = Some.VectorAnswer(new[] { new[] { "9007199254740993", "0", "0" }, new[] { "9007199254740992", "0", "0" } });

        var result = _domain.Evaluate(Some.Task(_domain, "d3"), answer);

        Assert.False(result.Valid);
        Assert.DoesNotContain("duplicates", result.Feedback, StringComparison.Ordinal);
        Assert.Contains("too close", result.Feedback, StringComparison.Ordinal);
    }

    [Fact]
    public void Coordinates_too_large_for_int128_use_exact_big_integers()
    {
        // Scaling a valid configuration by 10^30 keeps it valid; norms then need ~200 bits.
        var scale = "000000000000000000000000000000";
        var vectors = Some.RootsD(3).Select(v => v.Select(c => c == 0 ? "0" : c + scale)).ToList();

        var result = _domain.Evaluate(Some.Task(_domain, "d3"), Some.VectorAnswer(vectors));

        Assert.True(result.Valid, result.Feedback);
        Assert.Equal(12, result.Raw);
    }

    [Fact]
    public void Big_integer_path_detects_a_violation_too()
    {
        var scale = "000000000000000000000000000000";
        var vectors = Some.RootsD(3).Select(v => v.Select(c => c == 0 ? "0" : c + scale)).ToList();
        vectors.Add(["1" + scale, "1" + scale, "1" + scale]);

        var result = _domain.Evaluate(Some.Task(_domain, "d3"), Some.VectorAnswer(vectors));

        Assert.False(result.Valid);
        Assert.Contains("too close", result.Feedback, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3, 12)]
    [InlineData(4, 24)]
    [InlineData(5, 40)]
    public void Root_system_D_d_is_valid(int d, int count)
    {
        var result = _domain.Evaluate(Some.Task(_domain, $"d{d}"), Some.VectorAnswer(Some.RootsD(d)));

        Assert.True(result.Valid, result.Feedback);
        Assert.Equal(count, result.Raw);
    }

    [Fact]
    public void Zero_vector_is_rejected()
    {
        var vectors = Some.RootsD(4);
        vectors.Add(new long[4]);

        var result = _domain.Evaluate(Some.Task(_domain, "d4"), Some.VectorAnswer(vectors));

        Assert.False(result.Valid);
        Assert.Contains("vectors[24] is the zero vector", result.Feedback, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_vector_is_rejected()
    {
        var vectors = Some.RootsD(4);
        vectors.Add((long[])vectors[5].Clone());

        var result = _domain.Evaluate(Some.Task(_domain, "d4"), Some.VectorAnswer(vectors));

        Assert.False(result.Valid);
        Assert.Contains("vectors[24] duplicates vectors[5]", result.Feedback, StringComparison.Ordinal);
    }

    [Fact]
    public void Violated_minimum_distance_names_the_closest_pair_and_the_count()
    {
        var vectors = Some.RootsD(3);
        vectors.Add([2, 0, 0]); // norm 4 raises the bound above the roots' pairwise distances of 2

        var result = _domain.Evaluate(Some.Task(_domain, "d3"), Some.VectorAnswer(vectors));

        Assert.False(result.Valid);
        Assert.Contains("max ||c||^2 = 4 (vectors[12])", result.Feedback, StringComparison.Ordinal);
        Assert.Contains("pair(s) violate", result.Feedback, StringComparison.Ordinal);
    }

    [Fact]
    public void Published_set_with_one_coordinate_perturbed_is_rejected()
    {
        var rows = Some.KissingVectorTexts();
        rows[10][3] = (long.Parse(rows[10][3], System.Globalization.CultureInfo.InvariantCulture) + 1_000_000_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);

        var result = _domain.Evaluate(Some.Task(_domain, "d11"), Some.VectorAnswer(rows));

        Assert.False(result.Valid);
        Assert.Contains("too close", result.Feedback, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.0")]
    [InlineData("1e3")]
    [InlineData("\"1\"")]
    [InlineData("NaN")]
    public void Non_integer_coordinate_is_rejected(string token)
    {
        var answer = "{\"vectors\": [[" + token + ", 0, 0], [0, 1, 0]]}";

        var result = _domain.Evaluate(Some.Task(_domain, "d3"), answer);

        Assert.False(result.Valid);
    }

    [Fact]
    public void Wrong_dimension_is_rejected()
    {
        var result = _domain.Evaluate(Some.Task(_domain, "d4"), Some.VectorAnswer(Some.RootsD(3)));

        Assert.False(result.Valid);
        Assert.Contains("expected dimension d = 4", result.Feedback, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_set_and_overlong_integers_are_rejected()
    {
        Assert.False(_domain.Evaluate(Some.Task(_domain, "d3"), "{\"vectors\": []}").Valid);

        var huge = new string('9', DomainLimits.MaxIntegerDigits + 1);
        var result = _domain.Evaluate(Some.Task(_domain, "d3"), "{\"vectors\": [[" + huge + ", 0, 0]]}");

        Assert.False(result.Valid);
        Assert.Contains("digits", result.Feedback, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1125899906830276, 1950115842881358, 10405192, 2292, 55, 9, 3, 0, 0, 0, 0", false)] // ||a-b||^2 = N^2 - 1
    [InlineData("1125899906830276, 1950115842881358, 10405192, 2292, 55, 9, 3, 1, 0, 0, 0", true)] // ||a-b||^2 = N^2
    public void A_miss_by_one_in_a_hundred_bits_is_decided_exactly(string b, bool valid)
    {
        // a = (N, 0, ..., 0) with N = 2^51 - 6 has the largest norm N^2 (about 2^102); near-ties defeat any double shortcut.
        var answer = "{\"vectors\": [[2251799813685242, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [" + b + "]]}";

        var result = _domain.Evaluate(Some.Task(_domain, "d11"), answer);

        Assert.Equal(valid, result.Valid);
    }
}
