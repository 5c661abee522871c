using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace Hyperagents.Domains;

/// <summary>Strict reading of an agent's JSON answer: bounded size and depth, finite numbers only, extra fields ignored.</summary>
internal static class AnswerJson
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 16, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>Parses the answer into a JSON object, or explains why it is not one.</summary>
    /// <remarks>Surrounding whitespace and one surrounding Markdown code fence are ignored, since models often add them.</remarks>
    public static JsonDocument? TryParseObject(string answer, out string error)
    {
        var document = TryParseValue(answer, out error);
        if (document is not null && document.RootElement.ValueKind != JsonValueKind.Object)
        {
            error = $"answer is a JSON {Kind(document.RootElement)}; expected a JSON object";
            document.Dispose();
            return null;
        }

        return document;
    }

    /// <summary>Parses the answer into one JSON value, or explains why it is not one (same tolerance as
    /// <see cref="TryParseObject"/>).</summary>
    public static JsonDocument? TryParseValue(string answer, out string error)
    {
        if (answer.Length > DomainLimits.MaxAnswerChars)
        {
            error = $"answer too large: {answer.Length:N0} characters, at most {DomainLimits.MaxAnswerChars:N0} allowed";
            return null;
        }

        var text = StripFence(answer.AsSpan().Trim());
        if (text.IsEmpty)
        {
            error = "answer is empty; expected a JSON object";
            return null;
        }

        try
        {
            error = string.Empty;
            return JsonDocument.Parse(text.ToString(), Options);
        }
        catch (JsonException e)
        {
            var hint = text.Contains("NaN", StringComparison.Ordinal) || text.Contains("Infinity", StringComparison.Ordinal)
                ? " (NaN and Infinity are not JSON numbers and are never accepted)"
                : string.Empty;
            error = $"malformed JSON: {FirstSentence(e.Message)}{hint}";
            return null;
        }
    }

    /// <summary>Reads a required array property with between 0 and <see cref="DomainLimits.MaxItems"/> items.</summary>
    public static bool TryGetArray(JsonElement root, string name, out JsonElement array, out string error)
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
        if (length > DomainLimits.MaxItems)
        {
            error = $"field \"{name}\" has {length:N0} items, at most {DomainLimits.MaxItems:N0} allowed";
            return false;
        }

        error = string.Empty;
        return true;
    }

    /// <summary>Reads a finite double.</summary>
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

    /// <summary>Reads a row of exactly <paramref name="length"/> finite doubles.</summary>
    public static bool TryReadRow(JsonElement row, int length, string where, Span<double> values, out string error)
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

    /// <summary>Reads a JSON integer exactly from its token text, never through a double.</summary>
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

        if (digits > DomainLimits.MaxIntegerDigits)
        {
            error = $"{where} has {digits} digits, at most {DomainLimits.MaxIntegerDigits} allowed";
            return false;
        }

        value = BigInteger.Parse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        error = string.Empty;
        return true;
    }

    /// <summary>Formats a double so that it round-trips.</summary>
    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Formats a double with 3 significant digits, for amounts in feedback.</summary>
    public static string Short(double value) => value.ToString("G3", CultureInfo.InvariantCulture);

    internal static ReadOnlySpan<char> StripFence(ReadOnlySpan<char> text)
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
