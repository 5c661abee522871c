using Hyperagents.Transport;
using Serilog.Core;
using Serilog.Events;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Hyperagents.Cli;

/// <summary>The console every command writes to: each text segment passes <see cref="SafeText.ForDisplay"/> on its way
/// to the terminal, so guest text (file names, outputs, diagnostics, model replies, reasons) cannot spoof the screen with
/// escape sequences, bidirectional overrides or zero-width characters, whichever command prints it.</summary>
/// <remarks>Spectre's own control codes (cursor moves of the live panel) are segments marked as control codes and pass
/// unchanged; they never carry guest text.</remarks>
internal sealed class SafeConsole(IAnsiConsole inner) : IAnsiConsole
{
    public Profile Profile => inner.Profile;

    public IAnsiConsoleCursor Cursor => inner.Cursor;

    public IAnsiConsoleInput Input => inner.Input;

    public IExclusivityMode ExclusivityMode => inner.ExclusivityMode;

    public RenderPipeline Pipeline => inner.Pipeline;

    public void Clear(bool home) => inner.Clear(home);

    public void Write(IRenderable renderable) => inner.Write(new SafeRenderable(renderable, trimLines: !inner.Profile.Capabilities.Interactive));

    /// <remarks>Raw ANSI is Spectre's own (cursor and screen control), never guest text.</remarks>
    public void WriteAnsi(Action<AnsiWriter> action) => inner.WriteAnsi(action);

    /// <summary>Escapes guest text in every segment; off a terminal (a pipe, a file) also drops the white space that pads
    /// each line to the console's width, which only a live terminal display needs.</summary>
    private sealed class SafeRenderable(IRenderable inner, bool trimLines) : IRenderable
    {
        public Measurement Measure(RenderOptions options, int maxWidth) => inner.Measure(options, maxWidth);

        public IEnumerable<Segment> Render(RenderOptions options, int maxWidth)
        {
            var line = new List<Segment>();
            foreach (var segment in inner.Render(options, maxWidth))
            {
                var safe = segment.IsControlCode || segment.IsLineBreak || SafeText.IsClean(segment.Text)
                    ? segment
                    : new Segment(SafeText.ForDisplay(segment.Text), segment.Style);
                if (!trimLines)
                {
                    yield return safe;
                    continue;
                }

                if (!safe.IsLineBreak)
                {
                    line.Add(safe);
                    continue;
                }

                foreach (var kept in TrimEnd(line))
                {
                    yield return kept;
                }

                line.Clear();
                yield return safe;
            }

            foreach (var kept in TrimEnd(line))
            {
                yield return kept;
            }
        }

        private static IEnumerable<Segment> TrimEnd(List<Segment> line)
        {
            var end = line.Count;
            while (end > 0 && !line[end - 1].IsControlCode && line[end - 1].Text.TrimEnd(' ').Length == 0)
            {
                end--;
            }

            for (var i = 0; i < end; i++)
            {
                var segment = line[i];
                yield return i == end - 1 && !segment.IsControlCode && segment.Text.EndsWith(' ')
                    ? new Segment(segment.Text.TrimEnd(' '), segment.Style)
                    : segment;
            }
        }
    }
}

/// <summary>Makes every string a log event carries safe to show (<see cref="SafeText"/>), so a log file viewed in a
/// terminal cannot be spoofed by guest text either.</summary>
internal sealed class SafeTextEnricher : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        foreach (var (name, value) in logEvent.Properties.ToList())
        {
            var safe = Clean(value);
            if (!ReferenceEquals(safe, value))
            {
                logEvent.AddOrUpdateProperty(new LogEventProperty(name, safe));
            }
        }
    }

    private static LogEventPropertyValue Clean(LogEventPropertyValue value) => value switch
    {
        ScalarValue { Value: string text } when !SafeText.IsClean(text) => new ScalarValue(SafeText.ForDisplay(text)),
        SequenceValue sequence => sequence.Elements.Any(e => !ReferenceEquals(Clean(e), e))
            ? new SequenceValue(sequence.Elements.Select(Clean))
            : sequence,
        StructureValue structure => structure.Properties.Any(p => !ReferenceEquals(Clean(p.Value), p.Value))
            ? new StructureValue(structure.Properties.Select(p => new LogEventProperty(p.Name, Clean(p.Value))), structure.TypeTag)
            : structure,
        DictionaryValue dictionary => dictionary.Elements.Any(e => !ReferenceEquals(Clean(e.Value), e.Value))
            ? new DictionaryValue(dictionary.Elements.Select(e => new KeyValuePair<ScalarValue, LogEventPropertyValue>(e.Key, Clean(e.Value))))
            : dictionary,
        _ => value,
    };
}
