using System.Globalization;
using System.Numerics;

/// <summary>Kissing configurations in Z^d (AlphaEvolve, arXiv 2506.13131, appendix B.11): as many non-zero, distinct
/// integer vectors as possible whose pairwise squared distances are at least their largest squared norm. Coordinates
/// are read exactly from the JSON token text and every check is in exact integer arithmetic, so the ordinary check is
/// already the exact re-check. Raw figure: the number of vectors.</summary>
public sealed class KissingNumberEvaluator : IEvaluator
{
    private const string FormatHint = "; expected {\"vectors\": [[i1, ..., id], ...]} with JSON integers";

    public EvaluationResult Evaluate(EvalInput input)
    {
        using var document = MathAnswer.Open(input.Answer, "vectors", FormatHint, out var array, out var error);
        if (document is null)
        {
            return EvaluationResult.Invalid(error);
        }

        var d = input.Task.GetInt("d");
        var count = array.GetArrayLength();
        if (count == 0)
        {
            return EvaluationResult.Invalid("the set is empty; give at least one non-zero vector");
        }

        var vectors = new BigInteger[count][];
        var index = 0;
        foreach (var row in array.EnumerateArray())
        {
            if (!TryReadVector(row, d, index, out vectors[index], out error))
            {
                return EvaluationResult.Invalid(error);
            }

            index++;
        }

        return Check(input, d, vectors);
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
            if (!MathAnswer.TryReadInteger(item, $"{where}[{i}]", out vector[i], out error))
            {
                return false;
            }

            i++;
        }

        error = string.Empty;
        return true;
    }

    private static EvaluationResult Check(EvalInput input, int size, BigInteger[][] vectors)
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
        var fitsInt128 = 2 * maxBits + 2 + (long)Math.Ceiling(Math.Log2(size)) <= 126;
        var violation = fitsInt128 ? Int128Check(vectors, fitsDouble: maxBits <= 52) : BigCheck(vectors);
        if (violation is { } v)
        {
            var text = string.Create(CultureInfo.InvariantCulture,
                $"invalid: vectors[{v.A}] and vectors[{v.B}] are too close: ||a-b||^2 = {v.Distance} < max ||c||^2 = {v.MaxNorm} (vectors[{v.Longest}]); {v.Count} pair(s) violate min ||a-b||^2 >= max ||c||^2 in total (this pair is the closest)");
            return EvaluationResult.Invalid(text);
        }

        double raw = vectors.Length;
        var reference = input.Task.Reference!.Value;
        var score = raw / reference;
        var feedback = string.Create(CultureInfo.InvariantCulture,
            $"valid: {vectors.Length} vectors in dimension {size}; reference {reference} ({MathAnswer.ReferenceSource(input)}); normalised score {score:0.######}.");
        return EvaluationResult.Ok(raw, feedback);
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
}
