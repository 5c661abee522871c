using System.Buffers;
using System.Globalization;
using System.Text;

using Hyperagents.Transport;

namespace Hyperagents.Hosting.Native;

/// <summary>Makes untrusted text safe to print: control and escape characters neutralised, size capped.</summary>
internal static class OutputText
{
    /// <summary>Neutralises control characters and caps the UTF-8 size.</summary>
    /// <param name="text">Untrusted text.</param>
    /// <param name="maxBytes">The cap on the UTF-8 size of the kept text (the truncation note comes on top).</param>
    /// <param name="alreadyDropped">Characters dropped before the text reached the host.</param>
    /// <returns>Text in which every character <see cref="SafeText.NeedsEscape"/> names (controls except line feed and
    /// tab, bidirectional and zero-width format characters, lone surrogates) is a visible escape, so nothing can move a
    /// terminal's cursor, recolour it or reorder what it shows; CR LF becomes LF.</returns>
    public static string Neutralise(string text, int maxBytes, long alreadyDropped)
    {
        var builder = new StringBuilder(Math.Min(text.Length, maxBytes) + 64);
        long bytes = 0;
        long dropped = alreadyDropped;
        var span = text.AsSpan();
        while (!span.IsEmpty)
        {
            if (span[0] == '\r' && span.Length > 1 && span[1] == '\n')
            {
                span = span[1..];
                continue;
            }

            string? piece = null;
            int pieceBytes;
            var used = 1;
            if (Rune.DecodeFromUtf16(span, out var rune, out var length) != OperationStatus.Done)
            {
                piece = SafeText.Escape(span[0]);
                pieceBytes = piece.Length;
            }
            else
            {
                used = length;
                if (SafeText.NeedsEscape(rune))
                {
                    piece = SafeText.Escape(rune.Value);
                    pieceBytes = piece.Length;
                }
                else
                {
                    pieceBytes = rune.Utf8SequenceLength;
                }
            }

            if (bytes + pieceBytes > maxBytes)
            {
                dropped += span.Length;
                break;
            }

            if (piece is null)
            {
                builder.Append(span[..used]);
            }
            else
            {
                builder.Append(piece);
            }

            bytes += pieceBytes;
            span = span[used..];
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
