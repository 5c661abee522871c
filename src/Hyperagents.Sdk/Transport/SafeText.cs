using System.Buffers;
using System.Globalization;
using System.Text;

namespace Hyperagents.Transport;

/// <summary>The one rule for showing untrusted text (agent output, file names, model replies, diagnostics) on a terminal,
/// in a log, an audit or a report: characters that could move the cursor, recolour the screen, reorder what is shown or
/// hide what is there become visible escapes.</summary>
/// <remarks>Escaped: every control character except line feed and tab (C0, DEL, C1: ESC, CR, BEL, CSI …); every format
/// character (Unicode category Cf: bidirectional embeddings, overrides and isolates, LRM/RLM/ALM, zero-width space,
/// joiners, word joiner, BOM, soft hyphen, tag characters …); the line and paragraph separators; lone surrogates; and
/// the invisible Hangul fillers. An escape is written <c>\xXX</c>, <c>\uXXXX</c> or <c>\UXXXXXXXX</c>, so a reader
/// sees that the character was there. Everything else, including ordinary non-ASCII letters, is kept.</remarks>
public static class SafeText
{
    /// <summary>Whether <paramref name="rune"/> must be shown as an escape.</summary>
    /// <param name="rune">A character.</param>
    public static bool NeedsEscape(Rune rune)
    {
        if (rune.Value is '\n' or '\t')
        {
            return false;
        }

        if (rune.Value is 0x115F or 0x1160 or 0x3164 or 0xFFA0)
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate;
    }

    /// <summary>The visible escape of a character: <c>\x1B</c> up to U+00FF, <c>\u202E</c> in the BMP, <c>\U000E0041</c>
    /// beyond it.</summary>
    /// <param name="value">The code point (or a lone surrogate's code unit).</param>
    public static string Escape(int value) =>
        value <= 0xFF ? "\\x" + value.ToString("X2", CultureInfo.InvariantCulture)
        : value <= 0xFFFF
            ? "\\u" + value.ToString("X4", CultureInfo.InvariantCulture)
            : "\\U" + value.ToString("X8", CultureInfo.InvariantCulture);

    /// <summary>Whether <paramref name="text"/> holds no character that <see cref="NeedsEscape"/> (cheap: no copy).</summary>
    /// <param name="text">Untrusted text.</param>
    public static bool IsClean(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is >= ' ' and < '\u007F' or '\n' or '\t')
            {
                continue;
            }

            if (Rune.DecodeFromUtf16(text[i..], out var rune, out var used) != OperationStatus.Done)
            {
                return false;
            }

            if (NeedsEscape(rune))
            {
                return false;
            }

            i += used - 1;
        }

        return true;
    }

    /// <summary>Untrusted text made safe to show: see the remarks of <see cref="SafeText"/>. Line feeds and tabs stay.</summary>
    /// <param name="text">Untrusted text, or <see langword="null"/>.</param>
    /// <returns>The same string when nothing needed escaping.</returns>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    public static string? ForDisplay(string? text)
    {
        if (text is null || IsClean(text))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16);
        var span = text.AsSpan();
        while (!span.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(span, out var rune, out var used) != OperationStatus.Done)
            {
                builder.Append(Escape(span[0]));
                span = span[1..];
                continue;
            }

            if (NeedsEscape(rune))
            {
                builder.Append(Escape(rune.Value));
            }
            else
            {
                builder.Append(span[..used]);
            }

            span = span[used..];
        }

        return builder.ToString();
    }
}
