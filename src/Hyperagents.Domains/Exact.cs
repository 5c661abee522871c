using System.Numerics;

namespace Hyperagents.Domains;

/// <summary>Exact arithmetic on doubles: every finite double is m·2^e with integer m, so a set of doubles scaled by a
/// common power of two becomes a set of integers, and sums, products and comparisons on them are exact.</summary>
internal static class Exact
{
    /// <summary>Splits a finite double into <c>mantissa · 2^exponent</c>.</summary>
    public static (BigInteger Mantissa, int Exponent) Decompose(double value)
    {
        var bits = BitConverter.DoubleToInt64Bits(value);
        var negative = bits < 0;
        var exponentBits = (int)((bits >> 52) & 0x7FF);
        var fraction = bits & 0xF_FFFF_FFFF_FFFFL;
        long mantissa;
        int exponent;
        if (exponentBits == 0)
        {
            mantissa = fraction;
            exponent = -1074;
        }
        else
        {
            mantissa = fraction | (1L << 52);
            exponent = exponentBits - 1075;
        }

        return (negative ? -mantissa : mantissa, exponent);
    }

    /// <summary>Scales finite doubles to integers sharing one power of two: <c>values[i] = result[i] · 2^exponent</c>,
    /// with <c>exponent ≤ 0</c> so that 1 is the integer <c>2^-exponent</c>.</summary>
    public static BigInteger[] ToCommonScale(ReadOnlySpan<double> values, out int exponent)
    {
        var parts = new (BigInteger Mantissa, int Exponent)[values.Length];
        exponent = 0;
        for (var i = 0; i < values.Length; i++)
        {
            parts[i] = Decompose(values[i]);
            if (!parts[i].Mantissa.IsZero)
            {
                exponent = Math.Min(exponent, parts[i].Exponent);
            }
        }

        var result = new BigInteger[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = parts[i].Mantissa.IsZero ? BigInteger.Zero : parts[i].Mantissa << (parts[i].Exponent - exponent);
        }

        return result;
    }

    /// <summary><c>value · 2^exponent</c> as the nearest double (to within an ulp), without overflowing on large integers.</summary>
    public static double ToDouble(BigInteger value, int exponent)
    {
        var length = (long)BigInteger.Abs(value).GetBitLength();
        if (length > 900)
        {
            var shift = (int)(length - 64);
            value >>= shift;
            exponent += shift;
        }

        return Math.ScaleB((double)value, exponent);
    }

    /// <summary><c>numerator / denominator</c> for a positive denominator, to within an ulp.</summary>
    public static double Ratio(BigInteger numerator, BigInteger denominator)
    {
        if (numerator.IsZero)
        {
            return 0;
        }

        var shift = (int)(64 + (long)denominator.GetBitLength() - (long)BigInteger.Abs(numerator).GetBitLength());
        var quotient = shift >= 0 ? (numerator << shift) / denominator : (numerator >> -shift) / denominator;
        return Math.ScaleB((double)quotient, -shift);
    }
}
