using System.Numerics;

/// <summary>The built-in circle-packing check as a package evaluator: exact rational arithmetic on the doubles given
/// (every finite double is m·2^e), zero tolerance, raw figure Σr.</summary>
public sealed class CirclePackingEvaluator : IEvaluator
{
    public EvaluationResult Evaluate(EvalInput input)
    {
        var n = input.Task.GetInt("n");
        using var doc = JsonDocument.Parse(input.Answer);
        if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("circles", out var circles)
            || circles.ValueKind != JsonValueKind.Array || circles.GetArrayLength() != n)
        {
            return EvaluationResult.Invalid($"expected {{\"circles\": [[x, y, r], ...]}} with exactly {n} circles");
        }

        var values = new double[3 * n];
        var i = 0;
        foreach (var row in circles.EnumerateArray())
        {
            if (row.ValueKind != JsonValueKind.Array || row.GetArrayLength() != 3)
            {
                return EvaluationResult.Invalid($"circle {i / 3} is not [x, y, r]");
            }

            foreach (var v in row.EnumerateArray())
            {
                if (v.ValueKind != JsonValueKind.Number || !double.IsFinite(v.GetDouble()))
                {
                    return EvaluationResult.Invalid($"circle {i / 3} has a non-finite or non-number coordinate");
                }

                values[i++] = v.GetDouble();
            }
        }

        var scaled = ToCommonScale(values, out var exponent);
        var one = BigInteger.One << -exponent;
        for (var c = 0; c < n; c++)
        {
            BigInteger x = scaled[3 * c], y = scaled[3 * c + 1], r = scaled[3 * c + 2];
            if (r.Sign <= 0 || x - r < 0 || x + r > one || y - r < 0 || y + r > one)
            {
                return EvaluationResult.Invalid($"circle {c} is not inside [0,1]^2 with r > 0");
            }
        }

        for (var a = 0; a < n; a++)
        {
            for (var b = a + 1; b < n; b++)
            {
                var dx = scaled[3 * a] - scaled[3 * b];
                var dy = scaled[3 * a + 1] - scaled[3 * b + 1];
                var rr = scaled[3 * a + 2] + scaled[3 * b + 2];
                if (dx * dx + dy * dy < rr * rr)
                {
                    return EvaluationResult.Invalid($"circles {a} and {b} overlap");
                }
            }
        }

        var sum = 0.0;
        for (var c = 0; c < n; c++)
        {
            sum += values[3 * c + 2];
        }

        return EvaluationResult.Ok(sum, $"valid: sum of radii {sum}");
    }

    private static BigInteger[] ToCommonScale(double[] values, out int exponent)
    {
        var mantissas = new BigInteger[values.Length];
        var exponents = new int[values.Length];
        exponent = 0;
        for (var i = 0; i < values.Length; i++)
        {
            var bits = BitConverter.DoubleToInt64Bits(values[i]);
            var e = (int)((bits >> 52) & 0x7FF);
            var f = bits & 0xF_FFFF_FFFF_FFFFL;
            var m = e == 0 ? f : f | (1L << 52);
            mantissas[i] = bits < 0 ? -m : m;
            exponents[i] = e == 0 ? -1074 : e - 1075;
            if (m != 0)
            {
                exponent = Math.Min(exponent, exponents[i]);
            }
        }

        var result = new BigInteger[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = mantissas[i].IsZero ? BigInteger.Zero : mantissas[i] << (exponents[i] - exponent);
        }

        return result;
    }
}
