using System.Globalization;
using System.Numerics;
using System.Text.Json;
using static Hyperagents.Domains.AnswerJson;

namespace Hyperagents.Domains;

/// <summary>Heilbronn problem for the triangle: place n points in the equilateral triangle with vertices (0,0), (1,0),
/// (1/2, √3/2) so that the smallest triangle formed by any three of them is as large as possible (AlphaEvolve B.9).</summary>
/// <remarks>
/// <para>Answer: <c>{"points": [[x, y], ...]}</c> with exactly n rows of finite numbers; other fields are ignored.</para>
/// <para>Containment tolerance: a point may lie outside an edge by at most <see cref="ContainmentTolerance"/> (1e-12,
/// Euclidean distance to the edge's line), so that the irrational apex √3/2 can be given as a double. The check runs
/// in double precision, whose error (~1e-16) is far below the tolerance.</para>
/// <para>Raw figure: min over all triples of the triangle area, divided by the area √3/4 of the container (higher is
/// better). Triangle areas are computed exactly from the given doubles (determinants of exact dyadic rationals);
/// collinear or repeated points give 0, which is valid but scores 0. Normalised score: raw ÷ reference(n). The n = 11
/// reference 0.036529889880030156 is AlphaEvolve's published construction; for other n no literature value is used:
/// the reference is an estimate, the n = 11 value scaled by (11/n)², so scores above 1 are possible there.</para>
/// </remarks>
public sealed class HeilbronnTriangleDomain : MathDomain
{
    /// <inheritdoc/>
    public override string RawFigure => "min area";

    /// <summary>AlphaEvolve's published n = 11 figure: min triangle area ÷ container area.</summary>
    public const double Reference11 = 0.036529889880030156;

    /// <summary>How far outside an edge a point may lie (distance to the edge's line).</summary>
    public const double ContainmentTolerance = 1e-12;

    private static readonly double Sqrt3 = Math.Sqrt(3);

    /// <summary>Creates the domain with its fixed task sets: train n ∈ {8, 9, 10}, val {11, 12}, test {13, 14}.</summary>
    public HeilbronnTriangleDomain()
        : base(
            name: "heilbronn-triangle",
            description: "Place n points in the unit equilateral triangle maximising the smallest triangle they form (AlphaEvolve B.9).",
            higherIsBetter: true,
            defaultTaskId: "n11",
            parameterName: "n",
            instances:
            [
                Instance(8, Split.Train), Instance(9, Split.Train), Instance(10, Split.Train),
                Instance(11, Split.Val), Instance(12, Split.Val),
                Instance(13, Split.Test), Instance(14, Split.Test),
            ],
            describe: Describe,
            key: "points",
            formatHint: "; expected {\"points\": [[x, y], ...]}")
    {
    }

    private protected override TaskScore Evaluate(MathInstance instance, JsonElement array) =>
        TryReadRows(array, instance.Size, "points", 2, " (each point is [x, y])", out var values)
        ?? Check(instance, values, exact: false);

    private protected override TaskScore EvaluateExact(MathInstance instance, JsonElement array) =>
        TryReadRows(array, instance.Size, "points", 2, " (each point is [x, y])", out var values)
        ?? Check(instance, values, exact: true);

    /// <summary>Whether (x, y) lies in the closed triangle, decided exactly: y ≥ 0, y ≤ √3·x and y ≤ √3·(1 − x), the
    /// last two squared on integers (both sides are non-negative there), so √3 never becomes a double.</summary>
    private static bool InsideExactly(double x, double y)
    {
        var s = Exact.ToCommonScale([x, y], out var exponent);
        var one = System.Numerics.BigInteger.One << -exponent;
        var (sx, sy) = (s[0], s[1]);
        if (sy.Sign < 0 || sx.Sign < 0 || sx > one)
        {
            return false;
        }

        var left = one - sx;
        return sy * sy <= 3 * sx * sx && sy * sy <= 3 * left * left;
    }

    private static TaskScore Check(MathInstance instance, double[] values, bool exact)
    {
        var n = instance.Size;
        var problems = new Problems();
        if (exact)
        {
            for (var i = 0; i < n; i++)
            {
                if (!InsideExactly(values[2 * i], values[2 * i + 1]))
                {
                    problems.Add($"point {i} ({Format(values[2 * i])}, {Format(values[2 * i + 1])}) lies outside the triangle (exact check, no tolerance)");
                }
            }

            if (problems.Any)
            {
                return problems.ToInvalid("Points must lie in the closed triangle (0,0), (1,0), (1/2, √3/2); the exact re-check allows no tolerance.");
            }
        }

        for (var i = 0; i < n; i++)
        {
            double x = values[2 * i], y = values[2 * i + 1];
            var outside = Math.Max(-y, Math.Max((y - Sqrt3 * x) / 2, (y - Sqrt3 * (1 - x)) / 2));
            if (outside > ContainmentTolerance)
            {
                var edge = -y >= outside ? "below the edge y = 0"
                    : (y - Sqrt3 * x) / 2 >= outside ? "left of the edge from (0,0) to (1/2,√3/2)"
                    : "right of the edge from (1,0) to (1/2,√3/2)";
                problems.Add($"point {i} ({Format(x)}, {Format(y)}) lies {Short(outside)} {edge}");
            }
        }

        if (problems.Any)
        {
            return problems.ToInvalid($"Points must lie in the triangle (0,0), (1,0), (1/2, √3/2), tolerance {ContainmentTolerance:0e0}.");
        }

        var scaled = Exact.ToCommonScale(values, out var exponent);
        BigInteger? smallest = null;
        var smallestTriple = (0, 0, 0);
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                var ux = scaled[2 * j] - scaled[2 * i];
                var uy = scaled[2 * j + 1] - scaled[2 * i + 1];
                for (var k = j + 1; k < n; k++)
                {
                    var vx = scaled[2 * k] - scaled[2 * i];
                    var vy = scaled[2 * k + 1] - scaled[2 * i + 1];
                    var twiceArea = BigInteger.Abs(ux * vy - uy * vx);
                    if (smallest is null || twiceArea < smallest.Value)
                    {
                        smallest = twiceArea;
                        smallestTriple = (i, j, k);
                    }
                }
            }
        }

        // twiceArea is in units of 2^(2·exponent); raw = (twiceArea / 2) / (√3 / 4) = twiceArea · 2 / √3.
        var raw = n < 3 ? 0 : Exact.ToDouble(smallest!.Value, 2 * exponent) * 2 / Sqrt3;
        var score = raw / instance.Reference;
        var (a, b, c) = smallestTriple;
        var feedback = string.Create(CultureInfo.InvariantCulture,
            $"valid: {n} points, smallest triangle (points {a}, {b}, {c}) has {Format(raw)} of the container's area; reference {Format(instance.Reference)} ({instance.ReferenceSource}); normalised score {score:0.######}.{(raw == 0 ? " Three points are collinear or coincide, so the figure is 0." : string.Empty)}");
        return new TaskScore(true, score, raw, DomainLimits.Cap(feedback));
    }

    private static MathInstance Instance(int n, Split split) => n == 11
        ? new MathInstance("n11", split, 11, Reference11, "AlphaEvolve 2025, published construction")
        : new MathInstance($"n{n}", split, n, Reference11 * (11.0 / n) * (11.0 / n), "estimate: AlphaEvolve's n=11 value scaled by (11/n)^2, not a literature value");

    private static string Describe(MathInstance instance) => string.Create(CultureInfo.InvariantCulture, $"""
        Heilbronn problem in a triangle, n = {instance.Size}. Place exactly {instance.Size} points in the equilateral triangle with vertices (0,0), (1,0), (0.5, sqrt(3)/2) so that the smallest area of a triangle formed by any three of the points is as large as possible.
        Answer: a JSON object {"{"}"points": [[x, y], ...]{"}"} with exactly {instance.Size} rows of finite numbers; other fields are ignored.
        Validity: every point inside the triangle, up to {ContainmentTolerance:0e0} outside an edge (distance to the edge line).
        Raw figure: the minimum over all triples of the triangle area, divided by the container's area sqrt(3)/4, computed exactly from your numbers; collinear or repeated points give 0.
        Score: raw divided by the reference {AnswerJson.Format(instance.Reference)} ({instance.ReferenceSource}); higher is better; an invalid answer scores 0. Any score the answer claims is ignored.
        """);
}
