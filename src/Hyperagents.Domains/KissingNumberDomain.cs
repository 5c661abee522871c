using System.Globalization;
using System.Numerics;
using System.Text.Json;
using static Hyperagents.Domains.AnswerJson;

namespace Hyperagents.Domains;

/// <summary>Kissing configurations: a set S of non-zero integer vectors in Zᵈ with min ‖a − b‖² ≥ max ‖a‖² over
/// distinct a, b ∈ S, as large as possible (AlphaEvolve B.11). Such a set gives |S| unit spheres touching a central
/// one after scaling, so |S| is a lower bound on the kissing number in dimension d.</summary>
/// <remarks>
/// <para>Answer: <c>{"vectors": [[i1, ..., id], ...]}</c>, each coordinate a JSON integer (no fraction or exponent),
/// at most <see cref="DomainLimits.MaxIntegerDigits"/> digits, read exactly from the token text (never through a
/// double); at most <see cref="DomainLimits.MaxItems"/> vectors.</para>
/// <para>Validity, in exact integer arithmetic (Int128 when the coordinates provably fit, BigInteger otherwise): at
/// least one vector, every vector of dimension d, no zero vector, no duplicates, and every pair of distinct vectors
/// satisfies ‖a − b‖² ≥ max over S of ‖c‖².</para>
/// <para>Raw figure: |S| (higher is better). Normalised score: |S| ÷ reference(d), where the reference is the kissing
/// number for d = 3, 4, 8 (proven) and the best known lower bound otherwise: 40, 72, 126 for d = 5, 6, 7 (the D5, E6,
/// E7 root systems), 306 for d = 9, 510 for d = 10 (Ganzhinov 2022), 593 for d = 11 (AlphaEvolve 2025).</para>
/// </remarks>
public sealed class KissingNumberDomain : MathDomain
{
    /// <inheritdoc/>
    public override string RawFigure => "|S|";

    /// <summary>Creates the domain with its fixed task sets: train d ∈ {3, 4, 5}, val {6, 8, 11}, test {7, 9, 10}.</summary>
    public KissingNumberDomain()
        : base(
            name: "kissing-number",
            description: "Find many non-zero integer vectors in Z^d whose pairwise squared distances are at least their largest squared norm (AlphaEvolve B.11). Checked exactly.",
            higherIsBetter: true,
            defaultTaskId: "d11",
            parameterName: "d",
            instances:
            [
                Instance(3, Split.Train), Instance(4, Split.Train), Instance(5, Split.Train),
                Instance(6, Split.Val), Instance(8, Split.Val), Instance(11, Split.Val),
                Instance(7, Split.Test), Instance(9, Split.Test), Instance(10, Split.Test),
            ],
            describe: Describe,
            key: "vectors",
            formatHint: "; expected {\"vectors\": [[i1, ..., id], ...]} with JSON integers")
    {
    }

    // Coordinates are read exactly from the token text (never through a double), so this does not use the rows of doubles.
    private protected override TaskScore Evaluate(MathInstance instance, JsonElement array)
    {
        var d = instance.Size;
        var count = array.GetArrayLength();
        if (count == 0)
        {
            return TaskScore.Invalid("the set is empty; give at least one non-zero vector");
        }

        var vectors = new BigInteger[count][];
        var index = 0;
        foreach (var row in array.EnumerateArray())
        {
            if (!TryReadVector(row, d, index, out vectors[index], out var error))
            {
                return TaskScore.Invalid(error);
            }

            index++;
        }

        return Check(instance, vectors);
    }

    private static bool TryReadVector(JsonElement row, int d, int index, out BigInteger[] vector, out string error)
    {
        vector = [];
        var where = $"vectors[{index}]";
        if (row.ValueKind != JsonValueKind.Array)
        {
            error = $"{where} is not an array; each vector is an array of {d} integers";
            return false;
        }

        if (row.GetArrayLength() != d)
        {
            error = $"{where} has {row.GetArrayLength()} coordinates; expected dimension d = {d}";
            return false;
        }

        vector = new BigInteger[d];
        var i = 0;
        foreach (var item in row.EnumerateArray())
        {
            if (!TryReadInteger(item, $"{where}[{i}]", out vector[i], out error))
            {
                return false;
            }

            i++;
        }

        error = string.Empty;
        return true;
    }

    private static TaskScore Check(MathInstance instance, BigInteger[][] vectors)
    {
        var problems = new Problems();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        long maxBits = 0;
        for (var i = 0; i < vectors.Length; i++)
        {
            var zero = true;
            foreach (var c in vectors[i])
            {
                zero &= c.IsZero;
                maxBits = Math.Max(maxBits, (long)BigInteger.Abs(c).GetBitLength());
            }

            if (zero)
            {
                problems.Add($"vectors[{i}] is the zero vector, which is not allowed");
                continue;
            }

            var key = string.Join(',', vectors[i]);
            if (!seen.TryAdd(key, i))
            {
                problems.Add($"vectors[{i}] duplicates vectors[{seen[key]}]");
            }
        }

        if (problems.Any)
        {
            return problems.ToInvalid(string.Empty);
        }

        // |a_k − b_k| < 2^(maxBits+1), so ‖a − b‖² < d · 2^(2·maxBits+2); Int128 holds it when that is below 2^126.
        var fitsInt128 = 2 * maxBits + 2 + (long)Math.Ceiling(Math.Log2(instance.Size)) <= 126;
        var violation = fitsInt128 ? Int128Check(vectors, fitsDouble: maxBits <= 52) : BigCheck(vectors);
        if (violation is { } v)
        {
            var text = string.Create(CultureInfo.InvariantCulture,
                $"invalid: vectors[{v.A}] and vectors[{v.B}] are too close: ||a-b||^2 = {v.Distance} < max ||c||^2 = {v.MaxNorm} (vectors[{v.Longest}]); {v.Count} pair(s) violate min ||a-b||^2 >= max ||c||^2 in total (this pair is the closest)");
            return TaskScore.Invalid(text);
        }

        double raw = vectors.Length;
        var score = raw / instance.Reference;
        var feedback = string.Create(CultureInfo.InvariantCulture,
            $"valid: {vectors.Length} vectors in dimension {instance.Size}; reference {instance.Reference} ({instance.ReferenceSource}); normalised score {score:0.######}.");
        return new TaskScore(true, score, raw, DomainLimits.Cap(feedback));
    }

    private readonly record struct Violation(int A, int B, string Distance, string MaxNorm, int Longest, long Count);

    private static Violation? Int128Check(BigInteger[][] vectors, bool fitsDouble)
    {
        var n = vectors.Length;
        var d = vectors[0].Length;
        var flat = new Int128[n * d];
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < d; k++)
            {
                flat[i * d + k] = (Int128)vectors[i][k];
            }
        }

        Int128 maxNorm = 0;
        var longest = 0;
        for (var i = 0; i < n; i++)
        {
            Int128 norm = 0;
            for (var k = 0; k < d; k++)
            {
                var c = flat[i * d + k];
                norm += c * c;
            }

            if (norm > maxNorm)
            {
                maxNorm = norm;
                longest = i;
            }
        }

        // Fast path: with |coordinates| < 2^52 every difference is an exact double and the double sum of squares is
        // within a relative d·2^-52 of the truth, so a pair clearing the bound by a relative 1e-9 needs no exact check.
        var coordinates = new double[n * d];
        var filter = fitsDouble;
        if (filter)
        {
            for (var i = 0; i < flat.Length; i++)
            {
                coordinates[i] = (double)flat[i];
            }
        }

        var safeBound = (double)maxNorm * (1 + 1e-9);
        long count = 0;
        (int A, int B, Int128 Distance) closest = (0, 0, Int128.MaxValue);
        for (var i = 0; i < n; i++)
        {
            var a = flat.AsSpan(i * d, d);
            var ad = coordinates.AsSpan(filter ? i * d : 0, filter ? d : 0);
            for (var j = i + 1; j < n; j++)
            {
                if (filter)
                {
                    var bd = coordinates.AsSpan(j * d, d);
                    var approximate = 0.0;
                    for (var k = 0; k < d; k++)
                    {
                        var diff = ad[k] - bd[k];
                        approximate += diff * diff;
                    }

                    if (approximate >= safeBound)
                    {
                        continue;
                    }
                }

                var b = flat.AsSpan(j * d, d);
                Int128 distance = 0;
                for (var k = 0; k < d; k++)
                {
                    var diff = a[k] - b[k];
                    distance += diff * diff;
                }

                if (distance < maxNorm)
                {
                    count++;
                    if (distance < closest.Distance)
                    {
                        closest = (i, j, distance);
                    }
                }
            }
        }

        return count == 0
            ? null
            : new Violation(closest.A, closest.B, closest.Distance.ToString(CultureInfo.InvariantCulture), maxNorm.ToString(CultureInfo.InvariantCulture), longest, count);
    }

    private static Violation? BigCheck(BigInteger[][] vectors)
    {
        var n = vectors.Length;
        var maxNorm = BigInteger.Zero;
        var longest = 0;
        for (var i = 0; i < n; i++)
        {
            var norm = BigInteger.Zero;
            foreach (var c in vectors[i])
            {
                norm += c * c;
            }

            if (norm > maxNorm)
            {
                maxNorm = norm;
                longest = i;
            }
        }

        long count = 0;
        (int A, int B, BigInteger? Distance) closest = (0, 0, null);
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                var distance = BigInteger.Zero;
                for (var k = 0; k < vectors[i].Length; k++)
                {
                    var diff = vectors[i][k] - vectors[j][k];
                    distance += diff * diff;
                }

                if (distance < maxNorm)
                {
                    count++;
                    if (closest.Distance is null || distance < closest.Distance.Value)
                    {
                        closest = (i, j, distance);
                    }
                }
            }
        }

        return count == 0
            ? null
            : new Violation(closest.A, closest.B, Clip(closest.Distance!.Value), Clip(maxNorm), longest, count);
    }

    private static string Clip(BigInteger value)
    {
        var text = value.ToString(CultureInfo.InvariantCulture);
        return text.Length <= 40 ? text : value.ToString("E6", CultureInfo.InvariantCulture);
    }

    private static MathInstance Instance(int d, Split split)
    {
        var (reference, source) = d switch
        {
            3 => (12.0, "kissing number, proven (Schuette and van der Waerden 1953)"),
            4 => (24.0, "kissing number, proven (Musin 2008)"),
            5 => (40.0, "best known lower bound, the D5 root system"),
            6 => (72.0, "best known lower bound, the E6 root system"),
            7 => (126.0, "best known lower bound, the E7 root system"),
            8 => (240.0, "kissing number, proven (Levenshtein; Odlyzko and Sloane 1979), the E8 root system"),
            9 => (306.0, "best known lower bound"),
            10 => (510.0, "best known lower bound (Ganzhinov 2022)"),
            11 => (593.0, "best known lower bound (AlphaEvolve 2025, published construction)"),
            _ => throw new ArgumentOutOfRangeException(nameof(d)),
        };
        return new MathInstance($"d{d}", split, d, reference, source);
    }

    private static string Describe(MathInstance instance) => string.Create(CultureInfo.InvariantCulture, $"""
        Kissing configuration in dimension d = {instance.Size}. Give as many integer vectors in Z^{instance.Size} as you can such that no vector is zero, no two are equal, and for every pair of distinct vectors a, b: ||a - b||^2 >= max over the set of ||c||^2. (Scaled to unit length, such vectors are centres of spheres touching a central sphere without overlapping.)
        Answer: a JSON object {"{"}"vectors": [[i1, ..., i{instance.Size}], ...]{"}"}; every coordinate is a JSON integer (no decimal point or exponent, at most {DomainLimits.MaxIntegerDigits} digits, any size, read exactly); at most {DomainLimits.MaxItems} vectors; other fields are ignored.
        Validity is checked in exact integer arithmetic. Raw figure: the number of vectors.
        Score: the count divided by the reference {instance.Reference} ({instance.ReferenceSource}); higher is better; an invalid answer scores 0. Any score the answer claims is ignored.
        """);
}
