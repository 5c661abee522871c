using System.Globalization;
using System.Numerics;

/// <summary>Heilbronn's problem in the unit-area-normalised equilateral triangle (AlphaEvolve, arXiv 2506.13131,
/// appendix B.9): n points maximising the smallest triangle they form. Containment has a tolerance of 1e-12, which the
/// exact re-check (<c>EvalInput.Exact</c>) drops; areas are computed exactly from the given doubles. Raw figure: the
/// smallest triangle's area as a fraction of the container's.</summary>
public sealed class HeilbronnTriangleEvaluator : IEvaluator
{
    private const double ContainmentTolerance = 1e-12;
    private const string FormatHint = "; expected {\"points\": [[x, y], ...]}";
    private static readonly double Sqrt3 = Math.Sqrt(3);

    public EvaluationResult Evaluate(EvalInput input)
    {
        using var document = MathAnswer.Open(input.Answer, "points", FormatHint, out var array, out var error);
        if (document is null)
        {
            return EvaluationResult.Invalid(error);
        }

        var n = input.Task.GetInt("n");
        return MathAnswer.TryReadRows(array, "points", n, "points", 2, " (each point is [x, y])", out var values) is { } bad
            ? EvaluationResult.Invalid(bad)
            : Check(input, n, values, input.Exact);
    }

    // Inside the closed triangle exactly: y ≥ 0, 0 ≤ x ≤ 1, y ≤ √3·x and y ≤ √3·(1 − x), squared to stay rational.
    private static bool InsideExactly(double x, double y)
    {
        var s = Exact.ToCommonScale([x, y], out var exponent);
        var one = BigInteger.One << -exponent;
        var (sx, sy) = (s[0], s[1]);
        if (sy.Sign < 0 || sx.Sign < 0 || sx > one)
        {
            return false;
        }

        var left = one - sx;
        return sy * sy <= 3 * sx * sx && sy * sy <= 3 * left * left;
    }

    private static EvaluationResult Check(EvalInput input, int n, double[] values, bool exact)
    {
        var problems = new Problems();
        if (exact)
        {
            for (var i = 0; i < n; i++)
            {
                if (!InsideExactly(values[2 * i], values[2 * i + 1]))
                {
                    problems.Add($"point {i} ({MathAnswer.Format(values[2 * i])}, {MathAnswer.Format(values[2 * i + 1])}) lies outside the triangle (exact check, no tolerance)");
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
                problems.Add($"point {i} ({MathAnswer.Format(x)}, {MathAnswer.Format(y)}) lies {MathAnswer.Short(outside)} {edge}");
            }
        }

        if (problems.Any)
        {
            return problems.ToInvalid(string.Create(CultureInfo.InvariantCulture, $"Points must lie in the triangle (0,0), (1,0), (1/2, √3/2), tolerance {ContainmentTolerance:0e0}."));
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
        var reference = input.Task.Reference!.Value;
        var score = raw / reference;
        var (a, b, c) = smallestTriple;
        var feedback = string.Create(CultureInfo.InvariantCulture,
            $"valid: {n} points, smallest triangle (points {a}, {b}, {c}) has {MathAnswer.Format(raw)} of the container's area; reference {MathAnswer.Format(reference)} ({MathAnswer.ReferenceSource(input)}); normalised score {score:0.######}.{(raw == 0 ? " Three points are collinear or coincide, so the figure is 0." : string.Empty)}");
        return EvaluationResult.Ok(raw, feedback);
    }
}
