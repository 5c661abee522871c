using System.Globalization;
using System.Numerics;

// The answer prologue and exact arithmetic the shipped math domains share (each package carries its own copy, as a
// package is self-contained): a JSON object holding one array under a fixed key, read without tolerance.

/// <summary>Reads the answer: one JSON object with an array under a fixed key.</summary>
internal static class MathAnswer
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 16, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>The JSON document of an answer and the array under <paramref name="key"/>, or the reason it has none
    /// (followed by <paramref name="formatHint"/>).</summary>
    public static JsonDocument? Open(string answer, string key, string formatHint, out JsonElement array, out string error)
    {
        array = default;
        var document = TryParseObject(answer, out error);
        if (document is null)
        {
            error += formatHint;
            return null;
        }

        if (!TryGetArray(document.RootElement, key, out array, out error))
        {
            error += formatHint;
            document.Dispose();
            return null;
        }

        return document;
    }

    private static JsonDocument? TryParseObject(string answer, out string error)
    {
        var text = StripFence(answer.AsSpan().Trim());
        if (text.IsEmpty)
        {
            error = "answer is empty; expected a JSON object";
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text.ToString(), Options);
        }
        catch (JsonException e)
        {
            var hint = text.Contains("NaN", StringComparison.Ordinal) || text.Contains("Infinity", StringComparison.Ordinal)
                ? " (NaN and Infinity are not JSON numbers and are never accepted)"
                : string.Empty;
            error = $"malformed JSON: {FirstSentence(e.Message)}{hint}";
            return null;
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            error = $"answer is a JSON {Kind(document.RootElement)}; expected a JSON object";
            document.Dispose();
            return null;
        }

        error = string.Empty;
        return document;
    }

    private static bool TryGetArray(JsonElement root, string name, out JsonElement array, out string error)
    {
        if (!root.TryGetProperty(name, out array))
        {
            error = $"missing field \"{name}\"";
            return false;
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            error = $"field \"{name}\" is a JSON {Kind(array)}; expected an array";
            return false;
        }

        var length = array.GetArrayLength();
        if (length > MaxItems)
        {
            error = $"field \"{name}\" has {length:N0} items, at most {MaxItems:N0} allowed";
            return false;
        }

        error = string.Empty;
        return true;
    }

    /// <summary>The most vectors, points, circles or heights an answer may list.</summary>
    public const int MaxItems = 10_000;

    /// <summary>The most decimal digits of one integer coordinate.</summary>
    public const int MaxIntegerDigits = 100;

    /// <summary>The reason the array does not hold exactly <paramref name="count"/> items, or null.</summary>
    public static string? CheckCount(JsonElement array, int count, string noun) =>
        array.GetArrayLength() == count ? null : $"expected exactly {count} {noun}, got {array.GetArrayLength()}";

    /// <summary>Reads exactly <paramref name="count"/> rows of <paramref name="width"/> finite numbers; the reason
    /// when it cannot (a bad row's error followed by <paramref name="rowHint"/>), else null.</summary>
    public static string? TryReadRows(JsonElement array, string key, int count, string noun, int width, string rowHint, out double[] values)
    {
        values = [];
        if (CheckCount(array, count, noun) is { } wrongCount)
        {
            return wrongCount;
        }

        var read = new double[width * count];
        var index = 0;
        foreach (var row in array.EnumerateArray())
        {
            if (!TryReadRow(row, width, $"{key}[{index}]", read.AsSpan(width * index, width), out var error))
            {
                return error + rowHint;
            }

            index++;
        }

        values = read;
        return null;
    }

    public static bool TryReadDouble(JsonElement element, string where, out double value, out string error)
    {
        value = 0;
        if (element.ValueKind != JsonValueKind.Number)
        {
            error = $"{where} is a JSON {Kind(element)}; expected a number";
            return false;
        }

        if (!element.TryGetDouble(out value) || !double.IsFinite(value))
        {
            error = $"{where} = {Clip(element.GetRawText())} is not a finite double";
            return false;
        }

        error = string.Empty;
        return true;
    }

    private static bool TryReadRow(JsonElement row, int length, string where, Span<double> values, out string error)
    {
        if (row.ValueKind != JsonValueKind.Array)
        {
            error = $"{where} is a JSON {Kind(row)}; expected an array of {length} numbers";
            return false;
        }

        var count = row.GetArrayLength();
        if (count != length)
        {
            error = $"{where} has {count} numbers; expected {length}";
            return false;
        }

        var i = 0;
        foreach (var item in row.EnumerateArray())
        {
            if (!TryReadDouble(item, $"{where}[{i}]", out values[i], out error))
            {
                return false;
            }

            i++;
        }

        error = string.Empty;
        return true;
    }

    public static bool TryReadInteger(JsonElement element, string where, out BigInteger value, out string error)
    {
        value = BigInteger.Zero;
        if (element.ValueKind != JsonValueKind.Number)
        {
            error = $"{where} is a JSON {Kind(element)}; expected an integer";
            return false;
        }

        var raw = element.GetRawText();
        var digits = raw.StartsWith('-') ? raw.Length - 1 : raw.Length;
        if (raw.AsSpan().IndexOfAny('.', 'e', 'E') >= 0)
        {
            error = $"{where} = {Clip(raw)} is not a JSON integer (no fraction or exponent allowed)";
            return false;
        }

        if (digits > MaxIntegerDigits)
        {
            error = $"{where} has {digits} digits, at most {MaxIntegerDigits} allowed";
            return false;
        }

        value = BigInteger.Parse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        error = string.Empty;
        return true;
    }

    /// <summary>A double as it round-trips.</summary>
    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A double to three significant digits.</summary>
    public static string Short(double value) => value.ToString("G3", CultureInfo.InvariantCulture);

    /// <summary>Where the reference of a task comes from (data/references.json: task id to text).</summary>
    public static string ReferenceSource(EvalInput input)
    {
        using var sources = JsonDocument.Parse(input.Data.ReadText("data/references.json"));
        return sources.RootElement.GetProperty(input.Task.Id).GetString()!;
    }

    private static ReadOnlySpan<char> StripFence(ReadOnlySpan<char> text)
    {
        if (!text.StartsWith("```"))
        {
            return text;
        }

        var firstLineEnd = text.IndexOf('\n');
        if (firstLineEnd < 0)
        {
            return text;
        }

        var body = text[(firstLineEnd + 1)..].TrimEnd();
        if (body.EndsWith("```"))
        {
            body = body[..^3];
        }

        return body.Trim();
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". ", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message.TrimEnd('.');
    }

    private static string Clip(string raw) => raw.Length <= 40 ? raw : string.Concat(raw.AsSpan(0, 37), "...");

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => "value",
    };
}

/// <summary>Exact arithmetic on doubles: every finite double is an integer times a power of two.</summary>
internal static class Exact
{
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

    /// <summary>The values as integers over one common power of two 2^exponent (exponent ≤ 0).</summary>
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

    /// <summary>value · 2^exponent as the nearest double.</summary>
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

    /// <summary>numerator ÷ denominator as a double.</summary>
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

/// <summary>Collects problems with an answer and renders the first few, with a total, as feedback.</summary>
internal sealed class Problems
{
    private const int Shown = 3;
    private readonly List<string> _first = [];

    public int Count { get; private set; }

    public bool Any => Count > 0;

    public void Add(string problem)
    {
        if (_first.Count < Shown)
        {
            _first.Add(problem);
        }

        Count++;
    }

    public EvaluationResult ToInvalid(string hint)
    {
        var text = new StringBuilder("invalid: ");
        text.AppendJoin("; ", _first);
        if (Count > _first.Count)
        {
            text.Append(CultureInfo.InvariantCulture, $"; and {Count - _first.Count} more problem(s) of this kind");
        }

        if (hint.Length > 0)
        {
            text.Append(". ").Append(hint);
        }

        return EvaluationResult.Invalid(text.ToString());
    }
}
