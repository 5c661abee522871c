using System.Globalization;
using System.Text;

namespace Hyperagents.Hosting.Native;

/// <summary>Makes untrusted text safe to print: control and escape characters neutralised, size capped.</summary>
internal static class OutputText
{
    /// <summary>Neutralises control characters and caps the UTF-8 size.</summary>
    /// <param name="text">Untrusted text.</param>
    /// <param name="maxBytes">The cap on the UTF-8 size of the kept text (the truncation note comes on top).</param>
    /// <param name="alreadyDropped">Characters dropped before the text reached the host.</param>
    /// <returns>Text in which every C0/C1 control except line feed and tab, DEL and bidirectional overrides are
    /// written as visible <c>\xNN</c>/<c>\uNNNN</c> escapes, so nothing can move a terminal's cursor or recolour it.</returns>
    public static string Neutralise(string text, int maxBytes, long alreadyDropped)
    {
        var builder = new StringBuilder(Math.Min(text.Length, maxBytes) + 64);
        long bytes = 0;
        long dropped = alreadyDropped;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            string? piece = null;
            var pieceBytes = 1;
            if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                if (bytes + 4 > maxBytes)
                {
                    dropped += text.Length - i;
                    break;
                }

                builder.Append(c).Append(text[i + 1]);
                bytes += 4;
                i++;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                piece = "\uFFFD";
                pieceBytes = 3;
            }
            else if (c is '\n' or '\t')
            {
                pieceBytes = 1;
            }
            else if (c < 0x20 || c == 0x7F || c is >= '\u0080' and <= '\u009F')
            {
                piece = "\\x" + ((int)c).ToString("X2", CultureInfo.InvariantCulture);
                pieceBytes = piece.Length;
            }
            else if (c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069')
            {
                piece = "\\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture);
                pieceBytes = piece.Length;
            }
            else
            {
                pieceBytes = c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
            }

            if (bytes + pieceBytes > maxBytes)
            {
                dropped += text.Length - i;
                break;
            }

            if (piece is null)
            {
                builder.Append(c);
            }
            else
            {
                builder.Append(piece);
            }

            bytes += pieceBytes;
        }

        if (dropped > 0)
        {
            builder.Append(CultureInfo.InvariantCulture, $"\n[output truncated: {dropped} characters dropped]");
        }

        return builder.ToString();
    }

    /// <summary>Neutralises and shortens a one-line diagnostic (exception messages, worker stderr).</summary>
    public static string Line(string text, int maxBytes = 2048) =>
        Neutralise(text, maxBytes, 0).Replace("\n", " | ", StringComparison.Ordinal).Trim();
}

/// <summary>Captures console output inside the worker up to a cap; the rest is counted, not kept.</summary>
internal sealed class CappedWriter(int maxChars) : TextWriter
{
    private readonly StringBuilder _buffer = new();
    private readonly Lock _lock = new();
    private long _dropped;

    public override Encoding Encoding => Encoding.UTF8;

    public long Dropped
    {
        get
        {
            lock (_lock)
            {
                return _dropped;
            }
        }
    }

    public override void Write(char value) => Append([value]);

    public override void Write(char[] buffer, int index, int count) => Append(buffer.AsSpan(index, count));

    public override void Write(ReadOnlySpan<char> buffer) => Append(buffer);

    public override void Write(string? value) => Append(value);

    public override void WriteLine(string? value)
    {
        Append(value);
        Append(CoreNewLine);
    }

    public override string ToString()
    {
        lock (_lock)
        {
            return _buffer.ToString();
        }
    }

    private void Append(ReadOnlySpan<char> text)
    {
        lock (_lock)
        {
            var room = Math.Max(0, maxChars - _buffer.Length);
            var kept = Math.Min(room, text.Length);
            _buffer.Append(text[..kept]);
            _dropped += text.Length - kept;
        }
    }
}
