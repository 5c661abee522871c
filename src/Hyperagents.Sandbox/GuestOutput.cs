using System.Text;

namespace Hyperagents.Sandbox;

/// <summary>The guest's stdout and stderr, capped; the excess is counted, not kept. Rendered with every control
/// character except newline and tab replaced, so that no escape sequence reaches a terminal or a log.</summary>
internal sealed class GuestOutput
{
    private readonly int _cap;
    private readonly MemoryStream _kept = new();

    public GuestOutput(int cap) => _cap = cap;

    public long Dropped { get; private set; }

    public void Append(ReadOnlySpan<byte> bytes)
    {
        var room = (int)Math.Max(0, _cap - _kept.Length);
        var take = Math.Min(room, bytes.Length);
        _kept.Write(bytes[..take]);
        Dropped += bytes.Length - take;
    }

    public string Render()
    {
        var text = Neutralise(Encoding.UTF8.GetString(_kept.GetBuffer(), 0, (int)_kept.Length));
        return Dropped > 0 ? text + $"[output truncated: {Dropped} more bytes dropped]" : text;
    }

    /// <summary>Replaces C0 and C1 control characters (ESC, CR, BEL, CSI, ...) except newline and tab with '?'.</summary>
    public static string Neutralise(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(c == '\n' || c == '\t' || !(char.IsControl(c) || c is '\u2028' or '\u2029') ? c : '?');
        }

        return builder.ToString();
    }
}
