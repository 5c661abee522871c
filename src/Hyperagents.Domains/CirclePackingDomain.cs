using System.Globalization;
using System.Numerics;
using System.Text.Json;
using static Hyperagents.Domains.AnswerJson;

namespace Hyperagents.Domains;

/// <summary>Circle packing: place n disjoint circles in the unit square so that the sum of their radii is as large as
/// possible (AlphaEvolve, arXiv 2506.13131, appendix B.12).</summary>
/// <remarks>
/// <para>Answer: <c>{"circles": [[x, y, r], ...]}</c> with exactly n rows of finite numbers; other fields are ignored.</para>
/// <para>Validity is decided in exact rational arithmetic (every double is converted exactly to an integer times a
/// power of two), with zero tolerance: each radius is positive, each circle lies in [0,1]² (x − r ≥ 0, x + r ≤ 1, same
/// for y) and every pair is disjoint or touching ((xi − xj)² + (yi − yj)² ≥ (ri + rj)²).</para>
/// <para>Raw figure: Σ r (higher is better). Normalised score: Σ r ÷ reference(n). References: n = 26 and n = 32 are
/// AlphaEvolve's published constructions (2.6358627564136983 and 2.937944526205518, re-verified exactly); for other n
/// no literature value is used: the reference is an estimate, the nearer published value scaled by √(n / n₀) (Σ r of a
/// packing of fixed density grows as √n), so scores above 1 are possible there.</para>
/// </remarks>
public sealed class CirclePackingDomain : MathDomain
{
    /// <inheritdoc/>
    public override string RawFigure => "Σr";

    /// <summary>Σ r of AlphaEvolve's published 26-circle packing.</summary>
    public const double Reference26 = 2.6358627564136983;

    /// <summary>Σ r of AlphaEvolve's published 32-circle packing.</summary>
    public const double Reference32 = 2.937944526205518;

    /// <summary>Creates the domain with its fixed task sets: train n ∈ {20, 22, 24}, val {26, 28}, test {30, 32}.</summary>
    public CirclePackingDomain()
        : base(
            name: "circle-packing",
            description: "Pack n disjoint circles into the unit square maximising the sum of radii (AlphaEvolve B.12). Checked in exact arithmetic.",
            higherIsBetter: true,
            defaultTaskId: "n26",
            parameterName: "n",
            instances:
            [
                Instance(20, Split.Train), Instance(22, Split.Train), Instance(24, Split.Train),
                Instance(26, Split.Val), Instance(28, Split.Val),
                Instance(30, Split.Test), Instance(32, Split.Test),
            ],
            describe: Describe,
            key: "circles",
            formatHint: "; expected {\"circles\": [[x, y, r], ...]}")
    {
    }

    // values[3i..3i+2] = x, y, r of circle i (circles are numbered from 0 in feedback, as in the array).
    private protected override TaskScore Evaluate(MathInstance instance, JsonElement array) =>
        TryReadRows(array, instance.Size, "circles", 3, " (each circle is [x, y, r])", out var values)
        ?? Check(instance, values);

    private static TaskScore Check(MathInstance instance, double[] values)
    {
        var n = instance.Size;
        var scaled = Exact.ToCommonScale(values, out var exponent);
        var one = BigInteger.One << -exponent;
        var problems = new Problems();

        for (var i = 0; i < n; i++)
        {
            double x = values[3 * i], y = values[3 * i + 1], r = values[3 * i + 2];
            BigInteger bx = scaled[3 * i], by = scaled[3 * i + 1], br = scaled[3 * i + 2];
            if (br.Sign <= 0)
            {
                problems.Add($"circle {i} has radius {Format(r)}; radii must be > 0");
                continue;
            }

            if (bx - br < 0)
            {
                problems.Add($"circle {i} (x={Format(x)}, r={Format(r)}) crosses x = 0 by {Amount(r - x)}");
            }

            if (bx + br > one)
            {
                problems.Add($"circle {i} (x={Format(x)}, r={Format(r)}) crosses x = 1 by {Amount(x + r - 1)}");
            }

            if (by - br < 0)
            {
                problems.Add($"circle {i} (y={Format(y)}, r={Format(r)}) crosses y = 0 by {Amount(r - y)}");
            }

            if (by + br > one)
            {
                problems.Add($"circle {i} (y={Format(y)}, r={Format(r)}) crosses y = 1 by {Amount(y + r - 1)}");
            }
        }

        if (problems.Any)
        {
            return problems.ToInvalid("Every circle must lie inside [0,1]² (checked exactly, no tolerance).");
        }

        var tightestGap = double.PositiveInfinity;
        var tightestPair = (0, 0);
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                var dx = scaled[3 * i] - scaled[3 * j];
                var dy = scaled[3 * i + 1] - scaled[3 * j + 1];
                var radii = scaled[3 * i + 2] + scaled[3 * j + 2];
                var gap = Math.Sqrt(Sq(values[3 * i] - values[3 * j]) + Sq(values[3 * i + 1] - values[3 * j + 1]))
                          - (values[3 * i + 2] + values[3 * j + 2]);
                if (dx * dx + dy * dy < radii * radii)
                {
                    problems.Add($"circles {i} and {j} overlap by {Amount(-gap)} (centre distance {Format(gap + values[3 * i + 2] + values[3 * j + 2])}, radii sum {Format(values[3 * i + 2] + values[3 * j + 2])})");
                }
                else if (gap < tightestGap)
                {
                    tightestGap = gap;
                    tightestPair = (i, j);
                }
            }
        }

        if (problems.Any)
        {
            return problems.ToInvalid("Circles may touch but not overlap (checked exactly, no tolerance); shrink radii slightly.");
        }

        var sum = BigInteger.Zero;
        for (var i = 0; i < n; i++)
        {
            sum += scaled[3 * i + 2];
        }

        var raw = Exact.ToDouble(sum, exponent);
        var score = raw / instance.Reference;
        var feedback = string.Create(CultureInfo.InvariantCulture,
            $"valid: {n} circles, sum of radii {Format(raw)}; reference {Format(instance.Reference)} ({instance.ReferenceSource}); normalised score {score:0.######}. Tightest pair: circles {tightestPair.Item1} and {tightestPair.Item2}, gap {Short(Math.Max(tightestGap, 0))}.");
        return new TaskScore(true, score, raw, DomainLimits.Cap(feedback));
    }

    private static double Sq(double v) => v * v;

    private static string Amount(double amount) => amount > 0 ? Short(amount) : "less than 1e-16";

    private static MathInstance Instance(int n, Split split) => n switch
    {
        26 => new MathInstance("n26", split, 26, Reference26, "AlphaEvolve 2025, published construction"),
        32 => new MathInstance("n32", split, 32, Reference32, "AlphaEvolve 2025, published construction"),
        _ => n < 29
            ? new MathInstance($"n{n}", split, n, Reference26 * Math.Sqrt(n / 26.0), "estimate: AlphaEvolve's n=26 value scaled by sqrt(n/26), not a literature value")
            : new MathInstance($"n{n}", split, n, Reference32 * Math.Sqrt(n / 32.0), "estimate: AlphaEvolve's n=32 value scaled by sqrt(n/32), not a literature value"),
    };

    private static string Describe(MathInstance instance) => string.Create(CultureInfo.InvariantCulture, $"""
        Circle packing, n = {instance.Size}. Place exactly {instance.Size} circles inside the unit square [0,1]x[0,1] so that no two overlap, maximising the sum of their radii.
        Answer: a JSON object {"{"}"circles": [[x, y, r], ...]{"}"} with exactly {instance.Size} rows of finite numbers (centre x, centre y, radius); other fields are ignored.
        Validity (exact rational arithmetic on the doubles you give, zero tolerance): every r > 0; x - r >= 0, x + r <= 1, y - r >= 0, y + r <= 1; for every pair (xi - xj)^2 + (yi - yj)^2 >= (ri + rj)^2 (touching is allowed).
        Score: sum of radii divided by the reference {AnswerJson.Format(instance.Reference)} ({instance.ReferenceSource}); higher is better; an invalid answer scores 0. Any score the answer claims is ignored.
        """);
}
