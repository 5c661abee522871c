using System.Text.Json;

namespace Hyperagents.Domains;

/// <summary>Strict reading of an agent's JSON answer (a package of answer kind <c>json</c>): bounded size and depth.</summary>
internal static class AnswerJson
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 16, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>Parses the answer (one surrounding Markdown fence tolerated) into one JSON value, or explains why it is
    /// not one.</summary>
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
}
