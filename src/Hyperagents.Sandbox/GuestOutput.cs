using System.Text;

namespace Hyperagents.Sandbox;

/// <summary>The guest's stdout and stderr, capped; the excess is counted, not kept. Rendered with every control
/// character except newline and tab replaced, so that no escape sequence reaches a terminal or a log.</summary>
internal sealed class GuestOutput
{
    private readonly int _cap;
    private readonly MemoryStream _kept = new();
    private readonly byte[] _tail = new byte[4096];
    private int _tailLength;

    public GuestOutput(int cap) => _cap = cap;

    public long Dropped { get; private set; }

    public void Append(ReadOnlySpan<byte> bytes)
    {
        var room = (int)Math.Max(0, _cap - _kept.Length);
        var take = Math.Min(room, bytes.Length);
        _kept.Write(bytes[..take]);
        Dropped += bytes.Length - take;
        SawStackOverflow |= bytes.IndexOf("System.StackOverflowException"u8) >= 0;

        // The last few KiB are kept past the cap: the runtime's own fatal message (e.g. a stack overflow) lands there.
        var last = bytes.Length > _tail.Length ? bytes[^_tail.Length..] : bytes;
        var keep = Math.Min(_tailLength, _tail.Length - last.Length);
        Array.Copy(_tail, _tailLength - keep, _tail, 0, keep);
        last.CopyTo(_tail.AsSpan(keep));
        _tailLength = keep + last.Length;
    }

    /// <summary>Whether the most recent output contains <paramref name="text"/>.</summary>
    public bool TailContains(string text) =>
        Encoding.UTF8.GetString(_tail, 0, _tailLength).Contains(text, StringComparison.Ordinal);

    /// <summary>Whether any output chunk carried the runtime's stack-overflow message.</summary>
    public bool SawStackOverflow { get; private set; }

    /// <summary>The kept output, neutralised and capped by the same rule as every runner's
    /// (<see cref="Hyperagents.Hosting.Native.OutputText"/>): the cap holds for the text shown, escapes included.</summary>
    public string Render()
    {
        var text = Hyperagents.Hosting.Native.OutputText.Neutralise(Encoding.UTF8.GetString(_kept.GetBuffer(), 0, (int)_kept.Length), _cap, 0);
        return Dropped > 0 ? text + $"\n[output truncated: {Dropped} more bytes dropped]" : text;
    }

    /// <summary>Untrusted text made safe to show, by the one rule of <see cref="Hyperagents.Transport.SafeText"/>.</summary>
    public static string Neutralise(string text) => Hyperagents.Transport.SafeText.ForDisplay(text);
}
